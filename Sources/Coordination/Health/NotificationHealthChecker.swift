import Foundation
public import Logging
public import RedisClient
import RESP
import Synchronization

/// Checks `notify-keyspace-events` on one data node: with `CONFIG GET` where allowed, otherwise with a probe
/// (subscribe on the node to the keyspace channel of a probe key outside the root key's pattern, write and
/// delete the key on the master, expect `set` and `del` on the node; a control `PUBLISH` tells "pub/sub broken"
/// from "notifications off"). With `autoFix`, missing classes are added with `CONFIG SET` where allowed.
public struct NotificationHealthChecker: Sendable {
    public let required: NotificationFlags
    public let keys: StateKeys
    public let data: RedisConnectionConfiguration
    public let probeTimeout: Duration
    public let logger: Logger

    /// Creates a checker.
    public init(
        required: String, keys: StateKeys, data: RedisConnectionConfiguration, probeTimeout: Duration = .seconds(1),
        logger: Logger
    ) {
        self.required = NotificationFlags(required)
        self.keys = keys
        self.data = data
        self.probeTimeout = probeTimeout
        self.logger = logger
    }

    /// Checks `node` (`role` for the report) on a connection of its own; `master` is where the probe key is
    /// written.
    public func check(node: RedisAddress, role: String, master: RedisAddress, autoFix: Bool) async -> NodeNotificationHealth {
        let connection: RedisConnection
        do {
            connection = try await RedisConnection.connect(to: node, configuration: data, logger: logger)
        } catch {
            return Self.unreachable(node: node, role: role, error: error)
        }
        defer { Task { await connection.close() } }
        return await check(connection: connection, role: role, master: master, autoFix: autoFix)
    }

    /// The verdict for a node that could not be reached.
    static func unreachable(node: RedisAddress, role: String, error: any Error) -> NodeNotificationHealth {
        NodeNotificationHealth(
            node: node.description, role: role, state: .unreachable, method: nil, configured: nil, missing: "",
            detail: "\(error)", remedy: nil, autoFixed: false)
    }

    /// Checks the node `connection` goes to (the caller keeps and closes it).
    public func check(connection: RedisConnection, role: String, master: RedisAddress, autoFix: Bool) async -> NodeNotificationHealth {
        let node = connection.address
        var health = NodeNotificationHealth(
            node: node.description, role: role, state: .unreachable, method: nil, configured: nil, missing: "",
            detail: "", remedy: nil, autoFixed: false)
        do {
            let configured = try await connection.send(RedisCommands.configGet("notify-keyspace-events"))["notify-keyspace-events"] ?? ""
            health.method = .config
            health.configured = configured
            var flags = NotificationFlags(configured)
            if !flags.satisfies(required), autoFix {
                let wanted = NotificationFlags(configured + String(required.classes))
                do {
                    try await connection.send(RedisCommands.configSet("notify-keyspace-events", wanted.description))
                    flags = NotificationFlags(try await connection.send(RedisCommands.configGet("notify-keyspace-events"))["notify-keyspace-events"] ?? "")
                    health.autoFixed = flags.satisfies(required)
                    health.configured = flags.description
                    logger.notice(
                        "notifications.autoFix: enabled keyspace notifications with CONFIG SET (not persisted: also fix redis.conf)",
                        metadata: ["redis.node": "\(node)", "notify-keyspace-events": "\(flags)"])
                } catch {
                    health.detail = "CONFIG SET refused: \(error); "
                }
            }
            let missing = flags.missing(required)
            health.missing = String(missing)
            health.state = missing.isEmpty ? .healthy : .missingClasses
            health.detail += missing.isEmpty
                ? "notify-keyspace-events is '\(flags)'"
                : "notify-keyspace-events is '\(configured)': missing \(String(missing)); Traefik \(missing.contains("K") || missing.contains("$") ? "sees no change" : "misses deletions") through this node"
        } catch let error as RedisError
            where error.serverError?.kind == .unknownCommand || error.serverError?.kind == .noPermission
        {
            health.method = .probe
            await probe(node: connection, master: master, into: &health)
        } catch {
            health.detail = "\(error)"
            return health
        }
        if !health.isHealthy, health.remedy == nil { health.remedy = NodeNotificationHealth.remedy(node: node.description, required: required.description) }
        return health
    }

    /// The probe: `set` and `del` keyspace events of a probe key, bracketed by a control message.
    private func probe(node: RedisConnection, master: RedisAddress, into health: inout NodeNotificationHealth) async {
        let id = UUID().uuidString.prefix(8).lowercased()
        let probeKey = keys.probe(String(id))
        let keyspaceChannel = "__keyspace@\(data.database)__:\(probeKey)"
        let controlChannel = keys.probe("control:\(id)")
        let received = Mutex<[String]>([])
        let subscriber: RedisConnection
        do {
            subscriber = try await RedisConnection.connect(
                to: node.address, configuration: data, logger: logger,
                onPubSubMessage: { token in
                    guard let parts = token.array, parts.count == 3, let channel = parts[1].string, let payload = parts[2].string else { return }
                    received.withLock { $0.append(channel == keyspaceChannel ? payload : "control") }
                })
        } catch {
            health.state = .inconclusive
            health.detail = "CONFIG is not allowed and the probe could not subscribe: \(error)"
            return
        }
        defer { Task { await subscriber.close() } }
        do {
            try await subscriber.sendSubscription(
                RESPCommand("SUBSCRIBE", .string(keyspaceChannel), .string(controlChannel)), names: 2)
            let writer = try await RedisConnection.connect(to: master, configuration: data, logger: logger)
            defer { Task { await writer.close() } }
            _ = try await writer.pipeline([
                RESPCommand("SET", .string(probeKey), "probe"), RESPCommand("DEL", .string(probeKey)),
                RESPCommand("PUBLISH", .string(controlChannel), "control"),
            ])
        } catch {
            health.state = .inconclusive
            health.detail = "CONFIG is not allowed and the probe failed: \(error)"
            if (error as? RedisError)?.serverError?.kind == .noPermission {
                // The probe's channels: the keyspace channel of a probe key, and a control channel.
                health.remedy = "ACL SETUSER \(data.username ?? "default") &__keyspace@\(data.database)__:\(keys.prefix)* &\(keys.prefix)* (and the same rules in your aclfile)"
            }
            return
        }
        let deadline = ContinuousClock.now + probeTimeout
        while ContinuousClock.now < deadline, !received.withLock({ $0.contains("control") }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? await Task.sleep(for: .milliseconds(50))  // events sent with the control message may trail it
        let events = received.withLock { $0 }
        let sawSet = events.contains("set"), sawDel = events.contains("del")
        guard events.contains("control") else {
            health.state = .inconclusive
            health.detail = "CONFIG is not allowed and the probe's control message did not arrive within \(probeTimeout): pub/sub does not work here"
            return
        }
        var missing = ""
        if !sawSet && !sawDel { missing = "K$g" } else {
            if !sawSet { missing += "$" }
            if !sawDel { missing += "g" }
        }
        health.missing = missing
        health.state = missing.isEmpty ? .healthy : (missing == "K$g" ? .notificationsOff : .missingClasses)
        health.detail = missing.isEmpty
            ? "CONFIG is not allowed; the probe saw the set and del events"
            : "CONFIG is not allowed; the probe saw \(sawSet ? "set" : "no set") and \(sawDel ? "del" : "no del") events: Traefik \(missing == "K$g" || missing.contains("$") ? "sees no change" : "misses deletions") through this node"
    }
}
