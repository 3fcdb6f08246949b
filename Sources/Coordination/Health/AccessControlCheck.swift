import Foundation
import RedisClient
import RESP

/// `check`'s permission test of the two Redis users that matter: the coordinator's own (`redis.username`) and
/// Traefik's (`traefik.redisUsername`), with the ACL rule that fixes each gap.
///
/// - The coordinator's channels are tested live on the master (SUBSCRIBE to the release channel, PSUBSCRIBE
///   to the keyspace pattern, on a connection of their own): no ACL command is needed, so it works with a
///   least-privilege user and on managed Redis.
/// - Commands and key patterns are tested with `ACL DRYRUN` (Redis 7+, Valkey), for the coordinator's user
///   and for Traefik's (`HELLO`, `EXISTS`, `SCAN`, `MGET` on the root key, `PSUBSCRIBE __keyspace*:<rootKey>*`).
///   Where `ACL DRYRUN` is not permitted (managed Redis, a least-privilege coordinator) or does not exist
///   (Redis 6.2), the report says it could not verify, as a warning for Traefik's user.
/// - `ACL LOG` (where permitted) adds the recent denials of either user.
public struct AccessReport: Sendable, Hashable, Codable {
    /// One user's result.
    public struct User: Sendable, Hashable, Codable {
        /// `coordinator` or `traefik`.
        public var role: String
        public var name: String
        /// True when every needed permission was confirmed (DRYRUN or live).
        public var verified: Bool
        /// Each refused permission, as the server said it.
        public var missing: [String]
        /// The `ACL SETUSER` line that grants what is missing (nil when nothing is).
        public var fix: String?
        /// Why some permissions could not be verified, when so.
        public var unverified: String?
    }

    public var users: [User]
    /// Recent `ACL LOG` entries for either user, one line each.
    public var recentDenials: [String]
}

enum AccessControlCheck {
    /// One permission to confirm: the command as Traefik or the coordinator sends it, and the ACL rules that
    /// grant it (the command rule, and the key or channel rule).
    struct Need {
        var arguments: [String]
        var commandRule: String
        var resourceRule: String?
    }

    /// What the coordinator's own user needs (conf/users.acl's `coordinator` line).
    static func coordinatorNeeds(rootKey: String, keys: StateKeys, database: Int) -> [Need] {
        let config = "\(rootKey)/http/routers/x/rule"
        let state = "~\(keys.prefix)*"
        return [
            Need(arguments: ["PING"], commandRule: "+ping"),
            Need(arguments: ["SCAN", "0", "MATCH", "\(rootKey)*", "COUNT", "10"], commandRule: "+scan"),
            Need(arguments: ["MGET", config], commandRule: "+mget", resourceRule: "%R~\(rootKey)*"),
            Need(arguments: ["GET", keys.lease], commandRule: "+get", resourceRule: state),
            Need(arguments: ["SMEMBERS", keys.manifest], commandRule: "+smembers", resourceRule: state),
            Need(arguments: ["MSET", config, "v"], commandRule: "+mset", resourceRule: "~\(rootKey)/*"),
            Need(arguments: ["DEL", config], commandRule: "+del", resourceRule: "~\(rootKey)/*"),
            Need(arguments: ["SET", keys.published, "v"], commandRule: "+set", resourceRule: state),
            Need(arguments: ["PSETEX", keys.lease, "1", "v"], commandRule: "+psetex", resourceRule: state),
            Need(arguments: ["PEXPIRE", keys.lease, "1"], commandRule: "+pexpire", resourceRule: state),
            Need(arguments: ["INCR", keys.term], commandRule: "+incr", resourceRule: state),
            Need(arguments: ["SADD", keys.manifest, "v"], commandRule: "+sadd", resourceRule: state),
            Need(arguments: ["SREM", keys.manifest, "v"], commandRule: "+srem", resourceRule: state),
            Need(arguments: ["EVALSHA", String(repeating: "0", count: 40), "1", keys.lease], commandRule: "+evalsha", resourceRule: state),
            Need(arguments: ["EVAL", "return 1", "1", keys.lease], commandRule: "+eval", resourceRule: state),
            Need(arguments: ["PUBLISH", keys.releasedChannel, "x"], commandRule: "+publish", resourceRule: "&\(keys.releasedChannel)"),
            Need(arguments: ["SUBSCRIBE", keys.releasedChannel], commandRule: "+subscribe", resourceRule: "&\(keys.releasedChannel)"),
            Need(
                arguments: ["PSUBSCRIBE", keyspacePattern(rootKey: rootKey, database: database)], commandRule: "+psubscribe",
                resourceRule: "&" + keyspacePattern(rootKey: rootKey, database: database)),
            Need(arguments: ["ROLE"], commandRule: "+role"),
            Need(arguments: ["INFO", "replication"], commandRule: "+info"),
        ]
    }

    /// What Traefik's Redis provider needs (measured: HELLO, EXISTS, SCAN, MGET, one PSUBSCRIBE).
    static func traefikNeeds(rootKey: String) -> [Need] {
        [
            Need(arguments: ["HELLO", "3"], commandRule: "+hello"),
            Need(arguments: ["EXISTS", "\(rootKey)/http"], commandRule: "+exists", resourceRule: "%R~\(rootKey)/*"),
            Need(arguments: ["SCAN", "0", "MATCH", "\(rootKey)*", "COUNT", "10"], commandRule: "+scan"),
            Need(arguments: ["MGET", "\(rootKey)/http/routers/x/rule"], commandRule: "+mget", resourceRule: "%R~\(rootKey)/*"),
            Need(arguments: ["PSUBSCRIBE", "__keyspace*:\(rootKey)*"], commandRule: "+psubscribe", resourceRule: "&__keyspace*:\(rootKey)*"),
        ]
    }

    /// The pattern the coordinator subscribes to for keyspace events under the root key.
    static func keyspacePattern(rootKey: String, database: Int) -> String {
        "__keyspace@\(database)__:\(RedisSnapshot.globEscaped(rootKey))*"
    }

    /// Runs every test against the master and adds failures and warnings to `report`.
    static func check(
        settings: CoordinatorSettings, target: RedisTarget, master: RedisAddress, keys: StateKeys, into report: inout HealthReport
    ) async {
        let ownName = settings.redis.username ?? "default"
        var own = AccessReport.User(role: "coordinator", name: ownName, verified: true, missing: [], fix: nil, unverified: nil)
        var rules: [String] = []
        // Channels, live: the trap of Redis 7's `resetchannels` default.
        let releasePattern = keyspacePattern(rootKey: settings.rootKey, database: settings.redis.database)
        for (verb, name) in [("SUBSCRIBE", keys.releasedChannel), ("PSUBSCRIBE", releasePattern)] {
            if let refusal = await liveSubscription(verb, name, master: master, target: target) {
                own.missing.append("\(verb) \(name): \(refusal)")
                rules.append(refusal.contains("command") ? "+\(verb.lowercased())" : "&\(name)")
            }
        }
        let ownNeeds = coordinatorNeeds(rootKey: settings.rootKey, keys: keys, database: settings.redis.database)
        switch await dryRun(user: ownName, ownNeeds, target: target) {
        case .checked(let refused):
            for (need, message) in refused where !own.missing.contains(where: { $0.hasPrefix(need.arguments.joined(separator: " ")) }) {
                own.missing.append("\(need.arguments[0]) \(need.arguments.dropFirst().first ?? ""): \(message)")
                rules.append(rule(for: need, message: message))
            }
        case .unavailable(let why):
            own.unverified = "commands and keys not verified (\(why)); channels verified live"
        }
        if !own.missing.isEmpty {
            own.verified = false
            own.fix = "ACL SETUSER \(ownName) " + unique(rules).joined(separator: " ")
            report.failures.append(
                "the coordinator's Redis user '\(ownName)' lacks permissions: \(own.missing.joined(separator: "; ")). Fix: \(own.fix!)")
        }
        var access = AccessReport(users: [own], recentDenials: [])
        if let traefikName = settings.traefikRedisUsername {
            var traefik = AccessReport.User(role: "traefik", name: traefikName, verified: false, missing: [], fix: nil, unverified: nil)
            switch await dryRun(user: traefikName, traefikNeeds(rootKey: settings.rootKey), target: target) {
            case .checked(let refused):
                traefik.verified = refused.isEmpty
                traefik.missing = refused.map { "\($0.0.arguments.joined(separator: " ")): \($0.1)" }
                if !refused.isEmpty {
                    traefik.fix = "ACL SETUSER \(traefikName) " + unique(refused.map { rule(for: $0.0, message: $0.1) }).joined(separator: " ")
                    report.failures.append(
                        "Traefik's Redis user '\(traefikName)' (traefik.redisUsername) lacks permissions, so Traefik would not read or not see changes: \(traefik.missing.joined(separator: "; ")). Fix: \(traefik.fix!)")
                }
            case .unavailable(let why):
                traefik.unverified = why
                report.warnings.append(
                    "could not verify Traefik's Redis user '\(traefikName)' (traefik.redisUsername): \(why). It needs: \(traefikNeeds(rootKey: settings.rootKey).map(\.commandRule).joined(separator: " ")) %R~\(settings.rootKey)/* &__keyspace*:\(settings.rootKey)*")
            }
            access.users.append(traefik)
        }
        let users = Set(access.users.map(\.name))
        access.recentDenials = await recentDenials(for: users, target: target)
        for denial in access.recentDenials { report.warnings.append("ACL LOG: \(denial)") }
        report.access = access
    }

    /// The rule that grants `need`, as the refusal says: the command itself, or its key or channel.
    static func rule(for need: Need, message: String) -> String {
        let lowered = message.lowercased()
        if lowered.contains("command") || need.resourceRule == nil { return need.commandRule }
        return need.resourceRule!
    }

    enum DryRun {
        /// Every need was asked; the refused ones with the server's reason.
        case checked(refused: [(Need, String)])
        /// `ACL DRYRUN` cannot be used here; why.
        case unavailable(String)
    }

    /// Asks `ACL DRYRUN user …` for every need, in one pipeline.
    static func dryRun(user: String, _ needs: [Need], target: RedisTarget) async -> DryRun {
        let commands = needs.map { need in
            RESPCommand("ACL", arguments: ["DRYRUN", .string(user)] + need.arguments.map { .string($0) })
        }
        let replies: [RESPToken]
        do {
            replies = try await target.executor.pipeline(commands)
        } catch {
            return .unavailable("ACL DRYRUN failed: \(error)")
        }
        // The result of a dry run is a bulk string ("OK", or why the user would be refused); an error reply
        // means the dry run itself could not be made.
        if let message = replies.first?.errorMessage {
            let lowered = message.lowercased()
            if message.hasPrefix("NOPERM") {
                return .unavailable("the coordinator's user may not run ACL DRYRUN (grant it +acl|dryrun to let check verify)")
            }
            if lowered.contains("unknown subcommand") || lowered.contains("unknown command") {
                return .unavailable("this server has no ACL DRYRUN (Redis before 7.0)")
            }
            if lowered.contains("user") && lowered.contains("not found") {
                return .unavailable("the master has no user '\(user)'")
            }
            return .unavailable("ACL DRYRUN answered: \(message)")
        }
        var refused: [(Need, String)] = []
        for (need, reply) in zip(needs, replies) {
            let text = reply.errorMessage ?? reply.string ?? "OK"
            if text != "OK" { refused.append((need, text)) }
        }
        return .checked(refused: refused)
    }

    /// Subscribes on a connection of its own; the refusal's text, or nil when allowed.
    static func liveSubscription(_ verb: String, _ name: String, master: RedisAddress, target: RedisTarget) async -> String? {
        guard let connection = try? await RedisConnection.connect(to: master, configuration: target.dataConfiguration, logger: target.logger)
        else { return nil }  // unreachable: reported by the reachability checks
        var refusal: String?
        do {
            try await connection.sendSubscription(RESPCommand(verb, .string(name)), names: 1)
        } catch let error as RedisError where error.serverError?.kind == .noPermission {
            refusal = error.serverError?.message
        } catch {}
        await connection.close()
        return refusal
    }

    /// `ACL LOG 32` entries of the last hour for `users`, one line each (empty when ACL LOG is not permitted).
    static func recentDenials(for users: Set<String>, target: RedisTarget) async -> [String] {
        guard let reply = try? await target.executor.pipeline([RESPCommand("ACL", "LOG", "32")]).first,
            let entries = reply.array
        else { return [] }
        var lines: [String] = []
        for entry in entries {
            var fields: [String: String] = [:]
            if let pairs = entry.pairs {
                for (key, value) in pairs { if let key = key.string { fields[key] = value.string ?? value.int.map(String.init) ?? value.description } }
            } else if let items = entry.array {
                var index = 0
                while index + 1 < items.count {
                    if let key = items[index].string { fields[key] = items[index + 1].string ?? items[index + 1].int.map(String.init) ?? items[index + 1].description }
                    index += 2
                }
            }
            guard let user = fields["username"], users.contains(user) else { continue }
            let age = fields["age-seconds"].flatMap(Double.init) ?? 0
            guard age < 3600 else { continue }
            lines.append(
                "user '\(user)' was denied \(fields["reason"] ?? "?") '\(fields["object"] ?? "?")' (context \(fields["context"] ?? "?"), \(fields["count"] ?? "1") times, last \(Int(age)) s ago)")
        }
        return lines
    }

    private static func unique(_ rules: [String]) -> [String] {
        var seen = Set<String>()
        return rules.filter { seen.insert($0).inserted }
    }
}
