import ArgumentParser
import Coordination
import Foundation
import Logging

/// `traefik-coordinator check`: a one-shot health report.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check sentinels, master, replicas, keyspace notifications, drift and the lease; exit 0 healthy, 1 warnings, 2 failures.",
        discussion: """
            Keyspace notifications are read with CONFIG GET where allowed, otherwise probed (a probe key outside \
            the root key is written and deleted on the master; its events are awaited on each node). A failing \
            node is named with the exact remedy. Nothing is changed unless notifications.autoFix is true.
            """
    )

    @OptionGroup var settings: ConfigOption
    @OptionGroup var logging: LoggingOptions

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let settings = try self.settings.load()
        try logging.bootstrap(settings: settings, defaultLevel: "error")  // the report is the output
        let logger = Logger(label: "traefik-coordinator")
        // A one-shot report: a master that does not answer within 5 s is reported, not waited for.
        let target = try CommandSupport.target(settings, logger: logger, reconnectTimeout: .seconds(5))
        let traefikAPI = try CommandSupport.fromSettings { try TraefikAPI(settings: settings, logger: logger) }
        var desired: DesiredState?
        var problems: [String] = []
        if let path = settings.dynamic {
            let target = TraefikAPI.target(configured: settings.traefikVersion, pods: traefikAPI.isEmpty ? [] : await traefikAPI.versions())
            switch DesiredState.load(path: path, rootKey: settings.rootKey, target: target) {
            case .success(let state): desired = state
            case .failure(let error): problems = error.problems
            }
        }
        let report = await HealthReport.collect(
            settings: settings, target: target, traefikAPI: traefikAPI, desired: desired, desiredProblems: problems,
            autoFix: settings.notificationAutoFix, checkAccess: true)
        await target.close()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.table(report))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    static func table(_ report: HealthReport) -> String {
        var lines: [String] = []
        for sentinel in report.sentinels {
            lines.append("sentinel \(sentinel.address): \(sentinel.reachable ? "reachable" : "UNREACHABLE (\(sentinel.error ?? ""))")")
        }
        lines.append("master: \(report.master ?? "unknown")")
        for node in report.nodes {
            let notifications = node.notifications.isHealthy
                ? "notifications ok (\(node.notifications.method?.rawValue ?? "?"))"
                : "notifications \(node.notifications.state.rawValue.uppercased()): \(node.notifications.detail)"
            let drift = node.drift.map { drift in
                if drift.inSync { return "in sync" }
                let counts = "\(drift.missing) missing, \(drift.changed) changed, \(drift.extraOwned) extra"
                return drift.isLagging ? "lagging \(drift.replicationLagBytes ?? 0) bytes (\(counts))" : "drift: \(counts)"
            } ?? "drift not checked"
            lines.append("\(node.role) \(node.address): \(notifications); \(drift)")
            if let remedy = node.notifications.remedy { lines.append("  remedy: \(remedy)") }
        }
        for pod in report.traefik {
            lines.append("traefik \(pod.endpoint) (\(pod.version.map { "Traefik \($0)" } ?? "version unknown")): \(pod.error ?? (pod.converged ? "converged" : "NOT converged (\(pod.missingRouters.count) missing, \(pod.unexpectedRouters.count) unexpected)"))")
        }
        for user in report.access?.users ?? [] {
            let verdict = user.missing.isEmpty
                ? (user.verified ? "permissions ok" : "permissions not verified (\(user.unverified ?? "?"))")
                : "MISSING \(user.missing.count) permission(s); fix: \(user.fix ?? "")"
            lines.append("acl user \(user.name) (\(user.role)): \(verdict)\(user.missing.isEmpty && user.verified && user.unverified != nil ? " (\(user.unverified!))" : "")")
        }
        lines.append("lease: \(report.leaseHolder.map { "held by \($0)" } ?? "free")\(report.term.map { ", term \($0)" } ?? "")")
        for failure in report.failures { lines.append("FAIL: \(failure)") }
        for warning in report.warnings { lines.append("WARN: \(warning)") }
        lines.append(report.exitCode == 0 ? "healthy" : (report.exitCode == 1 ? "warnings" : "failures"))
        return lines.joined(separator: "\n")
    }
}
