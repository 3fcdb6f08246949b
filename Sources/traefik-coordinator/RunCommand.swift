import ArgumentParser
import Coordination
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `traefik-coordinator run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the coordinator: elect a leader, publish the dynamic configuration to Redis, keep it there.",
        discussion: """
            Every replica runs the same command. One holds the lease and publishes (fenced); the others follow and \
            take over within the lease duration. SIGTERM or SIGINT turns /readyz to 503, releases the lease (a \
            follower takes over at once), then stops the admin server and exits.
            """
    )

    @OptionGroup var settings: ConfigOption
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let (settings, logger) = try CommandSupport.start(self.settings, logging)
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let target = try CommandSupport.target(settings, logger: logger)
        let coordinator = try CommandSupport.fromSettings { try Coordinator(settings: settings, target: target, logger: logger) }
        let admin = try AdminServer.application(
            coordinator: coordinator, listen: settings.adminListen, metrics: metrics, logger: logger)
        logger.info(
            "starting", metadata: ["instance": "\(settings.instanceId)", "rootKey": "\(settings.rootKey)", "admin": "\(settings.adminListen)"])
        // Graceful shutdown runs in reverse order: the coordinator first — readiness turns false, then it
        // releases the lease while Redis is still reachable — and the admin server last, so probes see 503
        // throughout.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: admin), .init(service: CoordinatorService(coordinator: coordinator))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await target.close()
        logger.notice("stopped")
    }
}

/// The coordinator as a `Service`. On graceful shutdown it first turns readiness false, then cancels the run,
/// which makes the coordinator release the lease.
struct CoordinatorService: Service {
    let coordinator: Coordinator

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await coordinator.run() }
            group.addTask {
                // Returns when a graceful shutdown begins; throws when the service is cancelled instead.
                if (try? await gracefulShutdown()) != nil { await coordinator.beginShutdown() }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
