import ArgumentParser
import Coordination
import Foundation
import Logging
import RedisClient
import TraefikConfig

/// `traefik-coordinator publish --once`: one fenced publish, for CI/CD pipelines.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Wait for the lease, publish the dynamic configuration once (fenced), release the lease.",
        discussion: """
            Exit 0 when published (or already up to date), 1 when the configuration is invalid, the publish \
            failed or the lease stayed taken (or Redis unreachable) for --timeout, 2 for invalid settings and \
            for configuration errors Redis reports (wrong password, TLS or certificate problems, an unknown \
            Sentinel master, a refused ACL permission): those end at once, with one line naming the cause and \
            the setting. Transient errors (refused, timed out, LOADING) are retried within --timeout. A running \
            leader keeps the lease: stop the daemons first, or let them publish.
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
        let desired = try await CommandSupport.desired(settings, invalidExitCode: 1, logger: logger)
        // Short per-command retries: this command retries transient failures itself, within --timeout.
        let target = try CommandSupport.target(settings, logger: logger, reconnectTimeout: .seconds(2))
        defer { Task { await target.close() } }
        let keys = StateKeys(prefix: settings.effectiveStatePrefix)
        let lease = LeaseElector(
            redis: target.executor, keys: keys, instanceId: settings.instanceId, timing: settings.lease, logger: logger)
        let deadline = ContinuousClock.now + .nanoseconds(nanoseconds)
        try await CommandSupport.reachRedis(target, until: deadline, timeout: timeout)
        while await lease.leadership() == nil {
            await lease.step()
            if await lease.leadership() != nil { break }
            let failure = await lease.lastFailure
            if let failure, !failure.isTransient { throw CommandSupport.configurationError(failure) }
            guard ContinuousClock.now < deadline else {
                if let failure { throw CommandSupport.unreachable(failure, after: timeout) }
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
    /// Validated for the oldest Traefik that reads the keys: `traefik.version`, or the oldest pod of
    /// `traefik.apiEndpoints` (`/api/version`) when that is older.
    static func desired(_ settings: CoordinatorSettings, invalidExitCode: Int32, logger: Logger) async throws -> DesiredState {
        var standardError = StandardError()
        guard let path = settings.dynamic else {
            print("traefik-coordinator: traefik.dynamic is not set", to: &standardError)
            throw ExitCode(2)
        }
        let api = try fromSettings { try TraefikAPI(settings: settings, logger: logger) }
        let target = TraefikAPI.target(configured: settings.traefikVersion, pods: api.isEmpty ? [] : await api.versions())
        switch DesiredState.load(path: path, rootKey: settings.rootKey, target: target) {
        case .success(let state):
            return state
        case .failure(let error):
            for problem in error.problems { print(problem, to: &standardError) }
            print("invalid: nothing was published", to: &standardError)
            throw ExitCode(invalidExitCode)
        }
    }

    /// What `make` builds from the settings (the coordinator, Traefik's API client: they load the TLS files of
    /// `alerts.tls` and `traefik.apiTLS`), or exit 2 with the settings error.
    static func fromSettings<T>(_ make: () throws -> T) throws -> T {
        do {
            return try make()
        } catch {
            var standardError = StandardError()
            print("traefik-coordinator: invalid settings: \(error)", to: &standardError)
            throw ExitCode(2)
        }
    }

    /// Waits until Redis answers `PING`: transient failures (refused, timed out, `LOADING`, no sentinel
    /// reachable) are retried with backoff until `deadline` (then exit 1); a configuration error (wrong password,
    /// TLS, certificate, unknown master name, an ACL refusal) ends at once with exit 2. Either way one line on
    /// standard error names the cause, its kind and the setting to fix.
    static func reachRedis(_ target: RedisTarget, until deadline: ContinuousClock.Instant, timeout: String) async throws {
        var attempt = 0
        // A server that closes every connection at our first command, attempt after attempt (each retried for
        // the client's reconnect timeout), is a TLS port or refuses our certificate: no longer worth retrying.
        var persisting = 0
        while true {
            do {
                _ = try await target.executor.send(RedisCommands.ping())
                return
            } catch let error as RedisError where !error.isTransient || error.serverError?.kind == .noPermission {
                throw configurationError(error)
            } catch let error as RedisError where error.persistsAsConfiguration {
                persisting += 1
                if persisting >= 2 { throw configurationError(error, retried: true) }
            } catch let error as RedisError {
                persisting = 0
                let remaining = deadline - .now
                guard remaining > .zero else { throw unreachable(error, after: timeout) }
                attempt += 1
                try await Task.sleep(for: min(remaining, RedisBackoff(initial: .milliseconds(200), maximum: .seconds(2)).delay(attempt: attempt)))
            }
        }
    }

    /// Prints a configuration error (not retried, or `retried` until it showed it persists) and returns the
    /// exit code 2 to throw.
    static func configurationError(_ error: RedisError, retried: Bool = false) -> ExitCode {
        var standardError = StandardError()
        let how = retried ? "every attempt ended the same way" : "not retried"
        print("traefik-coordinator: configuration error (\(how)): \(error)", to: &standardError)
        return ExitCode(2)
    }

    /// Prints a transient failure that outlasted `--timeout` and returns the exit code 1 to throw.
    static func unreachable(_ error: RedisError, after timeout: String) -> ExitCode {
        var standardError = StandardError()
        print("traefik-coordinator: could not talk to Redis within \(timeout) (transient error, retried): \(error)", to: &standardError)
        return ExitCode(1)
    }

    /// The Redis target, or exit 2 with the settings error.
    static func target(_ settings: CoordinatorSettings, logger: Logger, reconnectTimeout: Duration = .seconds(10)) throws -> RedisTarget {
        do {
            return try RedisTarget.make(settings: settings, logger: logger, reconnectTimeout: reconnectTimeout)
        } catch {
            var standardError = StandardError()
            print("traefik-coordinator: invalid settings: \(error)", to: &standardError)
            throw ExitCode(2)
        }
    }
}
