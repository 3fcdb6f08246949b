public import RedisClient
public import TraefikConfig

/// How one node's keys under the root key differ from the desired configuration.
public struct NodeDrift: Sendable, Hashable, Codable {
    public var node: String
    public var role: String
    /// Desired keys absent on the node.
    public var missing: Int
    /// Desired keys with another value.
    public var changed: Int
    /// Keys in our manifest that are no longer desired but still there.
    public var extraOwned: Int
    /// Keys neither desired nor ours.
    public var foreign: Int
    /// A few of the differing keys.
    public var examples: [String]
    /// Set when the node could not be read.
    public var error: String?
    /// For a replica: how many bytes of the replication stream it has not acknowledged (from the master's
    /// `INFO replication`); a replica that differs while it lags is catching up, not drifting.
    public var replicationLagBytes: Int64?

    /// The master's replication keepalive, `*1\r\n$4\r\nPING\r\n`, sent every `repl-ping-replica-period`:
    /// a replica that has not acknowledged it yet is behind by these bytes, which carry no key.
    public static let replicationPingBytes: Int64 = 14

    /// Differs from the desired configuration only because it has not caught up with the master yet: more
    /// unacknowledged than a keepalive PING (which cannot explain a difference in keys).
    public var isLagging: Bool { !inSync && (replicationLagBytes ?? 0) > Self.replicationPingBytes }

    /// In sync (foreign keys are reported separately, not drift).
    public var inSync: Bool { error == nil && missing == 0 && changed == 0 && extraOwned == 0 }

    /// Each replica's unacknowledged bytes, from the master's `INFO replication` (`slaveN:ip=…,port=…,offset=…`),
    /// keyed by `ip:port` as the master sees it.
    public static func replicationLag(master: any RedisCommandExecutor) async -> [String: Int64] {
        guard let info = try? await master.send(RedisCommands.info("replication")),
            let masterOffset = info["master_repl_offset"].flatMap({ Int64($0) })
        else { return [:] }
        var lag: [String: Int64] = [:]
        for line in info.text.split(whereSeparator: \.isNewline) where line.hasPrefix("slave") {
            var fields: [String: String] = [:]
            for pair in line.split(separator: ":", maxSplits: 1).last?.split(separator: ",") ?? [] {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            if let ip = fields["ip"], let port = fields["port"], let offset = fields["offset"].flatMap({ Int64($0) }) {
                lag["\(ip):\(port)"] = max(0, masterOffset - offset)
            }
        }
        return lag
    }

    /// Reads `node` on a connection of its own and compares it with `desired`; `manifest` comes from the master.
    public static func measure(
        node: RedisAddress, role: String, desired: [KVPair], manifest: Set<String>, rootKey: String,
        data: RedisConnectionConfiguration
    ) async -> NodeDrift {
        let connection: RedisConnection
        do {
            connection = try await RedisConnection.connect(to: node, configuration: data)
        } catch {
            return unreadable(node: node, role: role, error: error)
        }
        defer { Task { await connection.close() } }
        return await measure(connection: connection, role: role, desired: desired, manifest: manifest, rootKey: rootKey)
    }

    /// The result for a node whose keys could not be read.
    static func unreadable(node: RedisAddress, role: String, error: any Error) -> NodeDrift {
        NodeDrift(
            node: node.description, role: role, missing: 0, changed: 0, extraOwned: 0, foreign: 0, examples: [],
            error: "\(error)", replicationLagBytes: nil)
    }

    /// Reads the node `connection` goes to (the caller keeps and closes it) and compares it with `desired`.
    public static func measure(
        connection: RedisConnection, role: String, desired: [KVPair], manifest: Set<String>, rootKey: String
    ) async -> NodeDrift {
        var drift = NodeDrift(
            node: connection.address.description, role: role, missing: 0, changed: 0, extraOwned: 0, foreign: 0,
            examples: [], error: nil, replicationLagBytes: nil)
        do {
            // The node's own copy of the manifest is not read: the master's is the one that counts.
            let snapshot = RedisSnapshot(
                values: try await RedisSnapshot.readValues(from: connection, rootKey: rootKey), manifest: manifest)
            let plan = PublishPlan.make(desired: desired, snapshot: snapshot, rootKey: rootKey, prune: .owned)
            drift.missing = plan.sets.filter { snapshot.values[$0.key] == nil }.count
            drift.changed = plan.sets.count - drift.missing
            drift.extraOwned = plan.deletes.filter { snapshot.values[$0] != nil }.count
            drift.foreign = plan.foreign.count
            drift.examples = Array((plan.sets.map(\.key) + plan.deletes.filter { snapshot.values[$0] != nil }).prefix(5))
        } catch {
            drift.error = "\(error)"
        }
        return drift
    }
}
