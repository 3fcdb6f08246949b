import ArgumentParser
import Coordination
import Foundation
import Logging
import TraefikConfig

/// `traefik-coordinator publish --once`: one fenced publish, for CI/CD pipelines.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Wait for the lease, publish the dynamic configuration once (fenced), release the lease.",
        discussion: """
            Exit 0 when published (or already up to date), 1 when the configuration is invalid or the publish \
            failed, 2 for invalid settings. A running leader keeps the lease: stop the daemons first, or let \
            them publish.
            """
    )

    @OptionGroup var settings: ConfigOption
    @OptionGroup var logging: LoggingOptions

    @Flag(name: .long, help: "Publish once and exit (the only mode; `run` is the daemon).")
    var once = false

    @Option(name: .long, help: "How long to wait for the lease, e.g. 30s.")
    var timeout = "30s"

    func run() async throws {
        guard once else { throw ValidationError("publish needs --once (the daemon is `traefik-coordinator run`)") }
        guard let nanoseconds = GoDuration.parse(timeout) else { throw ValidationError("--timeout: expected a duration such as 30s") }
        let (settings, logger) = try CommandSupport.start(self.settings, logging)
        var standardError = StandardError()
        let desired = try CommandSupport.desired(settings, invalidExitCode: 1)
        let target = try CommandSupport.target(settings, logger: logger)
        defer { Task { await target.close() } }
        let keys = StateKeys(prefix: settings.effectiveStatePrefix)
        let lease = LeaseElector(
            redis: target.executor, keys: keys, instanceId: settings.instanceId, timing: settings.lease, logger: logger)
        let deadline = ContinuousClock.now + .nanoseconds(nanoseconds)
        while await lease.leadership() == nil {
            await lease.step()
            if await lease.leadership() != nil { break }
            guard ContinuousClock.now < deadline else {
                let holder = await lease.observedHolder ?? "unknown"
                print("traefik-coordinator: the lease is held by \(holder); gave up after \(timeout)", to: &standardError)
                throw ExitCode(1)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let publisher = Publisher(
            redis: target.executor, keys: keys, rootKey: settings.rootKey, prune: settings.prune,
            atomicLimit: settings.atomicLimit, logger: logger)
        do {
            let result = try await publisher.publish(
                desired: desired.pairs, hash: desired.hash, instanceId: settings.instanceId,
                leadership: { await lease.leadership() })
            print("published \(desired.hash.prefix(12)): \(result.written) written, \(result.deleted) deleted, \(result.foreign.count) foreign keys left alone, term \(result.term)")
            await lease.release()
        } catch {
            await lease.release()
            print("traefik-coordinator: \(error)", to: &standardError)
            throw ExitCode(1)
        }
    }
}

/// Pieces the Redis-facing commands share.
enum CommandSupport {
    /// Loads the settings (exit 2 when invalid) and sets up logging.
    static func start(_ config: ConfigOption, _ logging: LoggingOptions) throws -> (CoordinatorSettings, Logger) {
        let settings = try config.load()
        try logging.bootstrap(settings: settings)
        return (settings, Logger(label: "traefik-coordinator"))
    }

    /// The validated desired configuration, or its problems on standard error and `invalidExitCode`.
    static func desired(_ settings: CoordinatorSettings, invalidExitCode: Int32) throws -> DesiredState {
        var standardError = StandardError()
        guard let path = settings.dynamic else {
            print("traefik-coordinator: traefik.dynamic is not set", to: &standardError)
            throw ExitCode(2)
        }
        switch DesiredState.load(path: path, rootKey: settings.rootKey) {
        case .success(let state):
            return state
        case .failure(let error):
            for problem in error.problems { print(problem, to: &standardError) }
            print("invalid: nothing was published", to: &standardError)
            throw ExitCode(invalidExitCode)
        }
    }

    /// The Redis target, or exit 2 with the settings error.
    static func target(_ settings: CoordinatorSettings, logger: Logger) throws -> RedisTarget {
        do {
            return try RedisTarget.make(settings: settings, logger: logger)
        } catch {
            var standardError = StandardError()
            print("traefik-coordinator: invalid settings: \(error)", to: &standardError)
            throw ExitCode(2)
        }
    }
}
