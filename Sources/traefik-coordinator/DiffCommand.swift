import ArgumentParser
import Coordination
import Logging
import TraefikConfig

/// `traefik-coordinator diff`: what a publish would change.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what a publish would change in Redis; exit 0 when nothing, 1 when something would change.",
        discussion: """
            Lines: `+ KEY = VALUE` (added), `~ KEY = VALUE (was OLD)` (changed), `- KEY` (deleted: only keys we \
            own, or every undesired key with coordinator.prune: all), `? KEY` (foreign: under the root key but \
            neither desired nor ours; left alone). Exit 2 for invalid settings, an invalid configuration, a \
            configuration error Redis reports (wrong password, TLS, certificate, unknown Sentinel master: at once, \
            not retried) or a Redis that stayed unreachable for --timeout (transient errors are retried).
            """
    )

    @OptionGroup var settings: ConfigOption
    @OptionGroup var logging: LoggingOptions

    @Option(name: .long, help: "How long to retry transient Redis errors (refused, timed out, LOADING), e.g. 10s.")
    var timeout = "10s"

    func run() async throws {
        guard let nanoseconds = GoDuration.parse(timeout) else { throw ValidationError("--timeout: expected a duration such as 10s") }
        let (settings, logger) = try CommandSupport.start(self.settings, logging)
        var standardError = StandardError()
        let desired = try await CommandSupport.desired(settings, invalidExitCode: 2, logger: logger)
        let target = try CommandSupport.target(settings, logger: logger, reconnectTimeout: .seconds(2))
        do {
            try await CommandSupport.reachRedis(target, until: .now + .nanoseconds(nanoseconds), timeout: timeout)
        } catch {
            await target.close()
            throw ExitCode(2)
        }
        let snapshot: RedisSnapshot
        do {
            snapshot = try await RedisSnapshot.read(
                from: target.executor, rootKey: settings.rootKey, keys: StateKeys(prefix: settings.effectiveStatePrefix))
        } catch {
            await target.close()
            print("traefik-coordinator: \(error)", to: &standardError)
            throw ExitCode(2)
        }
        await target.close()
        let plan = PublishPlan.make(desired: desired.pairs, snapshot: snapshot, rootKey: settings.rootKey, prune: settings.prune)
        for pair in plan.sets {
            if let old = snapshot.values[pair.key] {
                print("~ \(pair.key) = \(pair.value) (was \(old))")
            } else {
                print("+ \(pair.key) = \(pair.value)")
            }
        }
        for key in plan.deletes where snapshot.values[key] != nil { print("- \(key)") }
        for key in plan.foreign { print("? \(key)") }
        let added = plan.sets.filter { snapshot.values[$0.key] == nil }.count
        print("\(added) to add, \(plan.sets.count - added) to change, \(plan.deletes.filter { snapshot.values[$0] != nil }.count) to delete, \(plan.foreign.count) foreign, \(plan.unchanged) unchanged")
        if !plan.isEmpty { throw ExitCode(1) }
    }
}
