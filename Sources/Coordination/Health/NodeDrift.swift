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

    /// In sync (foreign keys are reported separately, not drift).
    public var inSync: Bool { error == nil && missing == 0 && changed == 0 && extraOwned == 0 }

    /// Reads `node` and compares it with `desired`; `manifest` comes from the master.
    public static func measure(
        node: RedisAddress, role: String, desired: [KVPair], manifest: Set<String>, rootKey: String, keys: StateKeys,
        data: RedisConnectionConfiguration
    ) async -> NodeDrift {
        var drift = NodeDrift(node: node.description, role: role, missing: 0, changed: 0, extraOwned: 0, foreign: 0, examples: [], error: nil)
        do {
            let connection = try await RedisConnection.connect(to: node, configuration: data)
            defer { Task { await connection.close() } }
            var snapshot = try await RedisSnapshot.read(from: connection, rootKey: rootKey, keys: keys)
            snapshot.manifest = manifest
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
