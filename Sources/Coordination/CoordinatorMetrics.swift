import Foundation
import Metrics
import Synchronization

/// The coordinator's metrics, through swift-metrics (the executable exports them in Prometheus text format on
/// `/metrics`). Every name starts with `traefik_coordinator_`; labels never carry secrets.
enum CoordinatorMetrics {
    static func leadership(isLeader: Bool, term: Int64?) {
        Gauge(label: "traefik_coordinator_leader").record(isLeader ? 1 : 0)
        if let term { Gauge(label: "traefik_coordinator_term").record(Double(term)) }
    }

    /// `result`: published, unchanged, refused, failed.
    static func publish(result: String, milliseconds: Int64, keys: Int?) {
        Counter(label: "traefik_coordinator_publishes_total", dimensions: [("result", result)]).increment()
        guard result == "published" || result == "unchanged" else { return }
        Metrics.Timer(label: "traefik_coordinator_publish_duration_seconds").recordMilliseconds(milliseconds)
        if let keys { Gauge(label: "traefik_coordinator_keys_published").record(Double(keys)) }
        Gauge(label: "traefik_coordinator_last_successful_publish_timestamp_seconds").record(Date().timeIntervalSince1970)
    }

    static func masterChanged() {
        Counter(label: "traefik_coordinator_master_changes_total").increment()
    }

    static func configLoadFailed() {
        Counter(label: "traefik_coordinator_config_load_errors_total").increment()
    }

    /// `node|role` pairs with per-node series, so series of a node that left or changed role are removed.
    private static let reportedNodes = Mutex<Set<String>>([])
    /// Traefik versions with a `traefik_pods{version}` series.
    private static let reportedVersions = Mutex<Set<String>>([])

    static func health(_ report: HealthReport) {
        let current = Set(report.nodes.map { "\($0.address)|\($0.role)" })
        let stale = reportedNodes.withLock { reported in
            defer { reported = current }
            return reported.subtracting(current)
        }
        for entry in stale {
            let parts = entry.split(separator: "|").map(String.init)
            let labels = [("node", parts[0]), ("role", parts[1])]
            Gauge(label: "traefik_coordinator_notifications_healthy", dimensions: labels).destroy()
            for kind in ["missing", "changed", "extra", "foreign"] {
                Gauge(label: "traefik_coordinator_drift_keys", dimensions: labels + [("kind", kind)]).destroy()
            }
        }
        if !report.traefik.isEmpty {
            Gauge(label: "traefik_coordinator_traefik_pods_converged").record(Double(report.traefik.filter(\.converged).count))
            // Pods per Traefik version (`unknown`: the pod did not answer /api/version); a version no pod runs
            // any more drops to 0.
            var byVersion: [String: Int] = [:]
            for pod in report.traefik { byVersion[pod.version ?? "unknown", default: 0] += 1 }
            let seen = reportedVersions.withLock { known in
                defer { known.formUnion(byVersion.keys) }
                return known
            }
            for version in seen.union(byVersion.keys) {
                Gauge(label: "traefik_coordinator_traefik_pods", dimensions: [("version", version)]).record(Double(byVersion[version] ?? 0))
            }
        }
        for node in report.nodes {
            let labels = [("node", node.address), ("role", node.role)]
            Gauge(label: "traefik_coordinator_notifications_healthy", dimensions: labels)
                .record(node.notifications.isHealthy ? 1 : 0)
            if let drift = node.drift {
                for (kind, count) in [("missing", drift.missing), ("changed", drift.changed), ("extra", drift.extraOwned), ("foreign", drift.foreign)] {
                    Gauge(label: "traefik_coordinator_drift_keys", dimensions: labels + [("kind", kind)]).record(Double(count))
                }
            }
        }
    }
}
