import Foundation
import RedisClient
import RESP
import TraefikConfig

/// What `check` reports and what `/status` carries about every node: reachability, notification health,
/// drift, the lease, and the verdict (exit code 0 healthy, 1 warnings, 2 failures).
public struct HealthReport: Sendable, Hashable, Codable {
    /// One sentinel's reachability.
    public struct SentinelReach: Sendable, Hashable, Codable {
        public var address: String
        public var reachable: Bool
        public var error: String?
    }

    /// One data node.
    public struct Node: Sendable, Hashable, Codable {
        public var address: String
        public var role: String
        public var notifications: NodeNotificationHealth
        public var drift: NodeDrift?
    }

    public var sentinels: [SentinelReach]
    public var master: String?
    public var nodes: [Node]
    public var leaseHolder: String?
    public var term: Int64?
    public var desiredHash: String?
    public var publishedHash: String?
    /// Traefik pods from `traefik.apiEndpoints` (empty when none are configured).
    public var traefik: [TraefikPodStatus] = []
    /// The ACL users' permissions (`check` only; nil in the daemon's periodic report).
    public var access: AccessReport?
    /// Why the master could not be reached, when it could not (the daemon reports it as a Redis problem).
    public var masterUnreachable: Unreachable?
    public var failures: [String]
    public var warnings: [String]

    /// A failure to reach the master, classified.
    public struct Unreachable: Sendable, Hashable, Codable {
        /// `transient`, `configuration` or `permission` (``RedisProblemLog/Kind``).
        public var kind: RedisProblemLog.Kind
        public var message: String
    }

    /// 0 healthy, 1 warnings only, 2 failures.
    public var exitCode: Int32 { failures.isEmpty ? (warnings.isEmpty ? 0 : 1) : 2 }

    /// Checks everything once.
    public static func collect(
        settings: CoordinatorSettings, target: RedisTarget, traefikAPI: TraefikAPI, desired: DesiredState?,
        desiredProblems: [String], autoFix: Bool, checkAccess: Bool = false
    ) async -> HealthReport {
        var report = HealthReport(
            sentinels: [], master: nil, nodes: [], leaseHolder: nil, term: nil, desiredHash: desired?.hash,
            publishedHash: nil, failures: [], warnings: [])
        let keys = StateKeys(prefix: settings.effectiveStatePrefix)
        if let sentinel = target.sentinel {
            for address in await sentinel.discovery.sentinels {
                do {
                    let connection = try await RedisConnection.connect(to: address, configuration: sentinel.discovery.configuration.connection)
                    _ = try await connection.send(RedisCommands.ping())
                    await connection.close()
                    report.sentinels.append(SentinelReach(address: address.description, reachable: true, error: nil))
                } catch {
                    report.sentinels.append(SentinelReach(address: address.description, reachable: false, error: "\(error)"))
                    report.warnings.append("sentinel \(address) unreachable: \(error)")
                }
            }
        }
        if let version = settings.traefikVersion, let (_, message) = TraefikTarget.support(of: version) {
            report.warnings.append("traefik.version: \(message)")
        }
        if !desiredProblems.isEmpty {
            report.failures.append("the dynamic configuration is invalid: " + desiredProblems.prefix(5).joined(separator: "; "))
        }
        let topology: RedisTopology
        do {
            topology = try await RedisTopology.discover(target)
        } catch {
            let kind = RedisProblemLog.kind(of: error)
            report.masterUnreachable = Unreachable(kind: kind, message: "\(error)")
            report.failures.append("cannot reach the Redis master (\(kind.rawValue) error): \(error)")
            return report
        }
        if checkAccess {
            await AccessControlCheck.check(settings: settings, target: target, master: topology.master, keys: keys, into: &report)
        }
        report.master = topology.master.description
        var manifest = Set<String>()
        do {
            let replies = try await target.executor.pipeline([
                RESPCommand("GET", .string(keys.lease)), RESPCommand("GET", .string(keys.term)),
                RESPCommand("GET", .string(keys.published)), RESPCommand("SMEMBERS", .string(keys.manifest)),
            ])
            report.leaseHolder = replies[0].string.map(LeaseToken.instance(of:))
            report.term = replies[1].string.flatMap { Int64($0) }
            if let record = replies[2].string, let data = record.data(using: .utf8),
                let published = try? JSONDecoder().decode(PublishedRecord.self, from: data)
            {
                report.publishedHash = published.hash
            }
            manifest = Set((replies[3].array ?? []).compactMap(\.string))
        } catch {
            report.failures.append("cannot read the coordinator's state keys on the master: \(error)")
        }
        if report.leaseHolder == nil { report.warnings.append("no coordinator holds the lease: nobody repairs drift") }
        if let desired, let published = report.publishedHash, published != desired.hash {
            report.warnings.append("config skew: this instance's desired hash \(desired.hash.prefix(12)) differs from the published \(published.prefix(12)) (a ConfigMap not yet propagated, or an undeployed change)")
        }
        let lag = await NodeDrift.replicationLag(master: target.executor)
        let checker = NotificationHealthChecker(
            required: settings.requiredNotifications, keys: keys, data: target.dataConfiguration, logger: target.logger)
        for (address, role) in topology.nodes {
            // One connection per node serves both the notification check and the drift measurement.
            let notifications: NodeNotificationHealth
            var drift: NodeDrift?
            do {
                let connection = try await RedisConnection.connect(to: address, configuration: target.dataConfiguration, logger: target.logger)
                notifications = await checker.check(connection: connection, role: role, master: topology.master, autoFix: autoFix)
                if let desired {
                    drift = await NodeDrift.measure(
                        connection: connection, role: role, desired: desired.pairs, manifest: manifest, rootKey: settings.rootKey)
                }
                await connection.close()
            } catch {
                notifications = NotificationHealthChecker.unreachable(node: address, role: role, error: error)
                if desired != nil { drift = NodeDrift.unreadable(node: address, role: role, error: error) }
            }
            if role == "replica" { drift?.replicationLagBytes = lag[address.description] }
            report.nodes.append(Node(address: address.description, role: role, notifications: notifications, drift: drift))
            switch notifications.state {
            case .healthy: break
            case .inconclusive: report.warnings.append("\(role) \(address): \(notifications.detail)")
            default: report.failures.append("\(role) \(address): \(notifications.detail); remedy: \(notifications.remedy ?? "")")
            }
            if let drift, let error = drift.error {
                report.failures.append("\(role) \(address): cannot read keys: \(error)")
            } else if let drift, drift.isLagging {
                report.warnings.append(
                    "\(role) \(address): replica lag: \(drift.replicationLagBytes ?? 0) bytes behind the master (\(drift.missing + drift.changed + drift.extraOwned) keys not caught up yet)")
            } else if let drift, !drift.inSync {
                report.warnings.append(
                    "\(role) \(address): drift: \(drift.missing) missing, \(drift.changed) changed, \(drift.extraOwned) extra owned (e.g. \(drift.examples.prefix(3).joined(separator: ", ")))")
            }
            if let drift, drift.foreign > 0, role == "master" {
                report.warnings.append("\(drift.foreign) foreign keys under the root key (neither desired nor ours; left alone)")
            }
        }
        if let desired, !traefikAPI.isEmpty {
            let routers = TraefikConvergence.desiredRouters(pairs: desired.pairs.map(\.key), rootKey: settings.rootKey)
            for pod in await traefikAPI.check(desired: routers) {
                let label = pod.endpoint
                report.traefik.append(pod)
                if let error = pod.error {
                    report.warnings.append("Traefik \(label): \(error)")
                } else if !pod.converged {
                    report.warnings.append(
                        "Traefik \(label) has not converged: \(pod.missingRouters.count) routers missing, \(pod.unexpectedRouters.count) unexpected")
                }
                for router in pod.routersInError.prefix(5) { report.warnings.append("Traefik \(label): router \(router)") }
                if let configured = settings.traefikVersion, let version = pod.version.flatMap(TraefikVersion.init(parsing:)),
                    version < configured
                {
                    report.warnings.append(
                        "Traefik \(label) runs \(version), older than traefik.version \(configured): configurations are validated for the oldest pod, \(version); lower traefik.version or upgrade the pod")
                }
            }
        }
        return report
    }
}
