import Coordination
import Foundation
import RedisClient
import Synchronization
import TestSupport
import Testing
import TraefikConfig

/// The chaos suite's deployment: a real Sentinel cluster (1 master, 2 replicas, 3 sentinels), one
/// ``FaultProxy`` per coordinator and data node (the coordinators' `redis.addressMap` sends each of them
/// through its own proxies, so one coordinator can be slowed or cut off alone), and three
/// `traefik-coordinator run` processes logging JSON, which the ``PublishAttemptChecker`` reads afterwards.
///
/// The desired configuration has `routers` routers whose rules carry a generation number
/// (`Host(`g2-r7.test`)`): every generation has the same keys with different values, so a reader that sees
/// two generations at once has seen a partial publish.
final class ChaosDeployment: Sendable {
    struct Options: Sendable {
        var routers = 40
        var cluster = SentinelCluster.Options()
        /// Environment of every coordinator (fault injection).
        var environment: [String: String] = [:]
        /// More `redis:` settings for every coordinator (YAML lines indented by two spaces).
        var redisSettings = ""
    }

    static let rootKey = "traefik"

    let cluster: SentinelCluster
    /// `proxies[coordinator][dataNode]`.
    let proxies: [[FaultProxy]]
    let coordinators: [CoordinatorProcess]
    let directory: String
    let routers: Int
    /// The generation written last.
    private let generationState = Mutex(1)
    /// What is stopped with SIGSTOP now.
    private let pausedState = Mutex(Set<Pausable>())

    private init(cluster: SentinelCluster, proxies: [[FaultProxy]], coordinators: [CoordinatorProcess], directory: String, routers: Int) {
        self.cluster = cluster
        self.proxies = proxies
        self.coordinators = coordinators
        self.directory = directory
        self.routers = routers
    }

    /// Starts everything and waits until generation 1 is on every node and one coordinator leads.
    static func start(_ options: Options = .init()) async throws -> ChaosDeployment {
        let cluster = try await SentinelCluster.start(options.cluster)
        var proxies: [[FaultProxy]] = []
        var coordinators: [CoordinatorProcess] = []
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-chaos-\(UUID().uuidString.prefix(8))").path
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/dynamic", withIntermediateDirectories: true)
            try configuration(generation: 1, routers: options.routers)
                .write(toFile: "\(directory)/dynamic/routes.yaml", atomically: true, encoding: .utf8)
            for _ in 0..<3 {
                var row: [FaultProxy] = []
                for node in cluster.dataNodes { row.append(try await FaultProxy.start(to: cluster.clientAddress(of: node))) }
                proxies.append(row)
            }
            for index in 0..<3 {
                let map = zip(cluster.dataNodes, proxies[index])
                    .map { "    \"\(cluster.clientAddress(of: $0))\": \"\($1.address)\"" }.joined(separator: "\n")
                let settings = """
                    redis:
                      endpoints: [\(cluster.sentinelAddresses.map { "\"\($0)\"" }.joined(separator: ", "))]
                      connectTimeout: 1s
                      commandTimeout: 2s
                      sentinel:
                        masterName: mymaster
                      addressMap:
                    \(map)
                    \(options.redisSettings)
                    traefik:
                      rootKey: \(rootKey)
                      dynamic: \(directory)/dynamic
                    lease: {duration: 3s, renewDeadline: 2s, retryPeriod: 250ms}
                    coordinator:
                      instanceId: c\(index + 1)
                      reconcileInterval: 2s
                      debounce: 200ms
                    notifications:
                      checkInterval: 2s
                    log:
                      format: json
                    """
                coordinators.append(try await CoordinatorProcess.start(
                    instanceId: "c\(index + 1)", settings: settings, environment: options.environment))
            }
        } catch {
            for coordinator in coordinators { await coordinator.stop() }
            for proxy in proxies.joined() { await proxy.stop() }
            await cluster.stop()
            throw error
        }
        let deployment = ChaosDeployment(
            cluster: cluster, proxies: proxies, coordinators: coordinators, directory: directory, routers: options.routers)
        do {
            _ = try await deployment.converge(within: .seconds(20), from: .now)
        } catch {
            print(deployment.logs())
            await deployment.stop()
            throw error
        }
        return deployment
    }

    func stop() async {
        for coordinator in coordinators { await coordinator.stop() }
        for proxy in proxies.joined() { await proxy.stop() }
        await cluster.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - The desired configuration

    /// Generation `generation` of the dynamic configuration.
    static func configuration(generation: Int, routers: Int) -> String {
        var text = "http:\n  routers:\n"
        for index in 0..<routers {
            text += "    r\(index):\n      rule: \"Host(`g\(generation)-r\(index).test`)\"\n      service: s\(index)\n"
        }
        text += "  services:\n"
        for index in 0..<routers {
            text += "    s\(index):\n      loadBalancer:\n        servers:\n          - url: \"http://127.0.0.1:\(9000 + generation)\"\n"
        }
        return text
    }

    /// The keys the coordinators must publish for `generation` (the placeholder included).
    func desiredKeys(generation: Int) -> [String: String] {
        let result = DynamicConfigurationLoader.load(documents: [("routes.yaml", Self.configuration(generation: generation, routers: routers))])
        precondition(result.isValid, "\(result.issues)")
        var keys: [String: String] = [:]
        for pair in Publisher.desiredPairs(result.configuration, rootKey: Self.rootKey) { keys[pair.key] = pair.value }
        return keys
    }

    var generation: Int { generationState.withLock { $0 } }

    /// Writes the next generation of the configuration file; returns its number.
    @discardableResult
    func writeNextGeneration() throws -> Int {
        let next = generationState.withLock { value -> Int in
            value += 1
            return value
        }
        try Self.configuration(generation: next, routers: routers)
            .write(toFile: "\(directory)/dynamic/routes.yaml", atomically: true, encoding: .utf8)
        return next
    }

    // MARK: - Faults

    /// A process the suite stops with SIGSTOP and continues with SIGCONT.
    enum Pausable: Hashable {
        case dataNode(Int)
        case sentinel(Int)
        case coordinator(Int)
    }

    /// Stops `target` with SIGSTOP; until ``resume(_:)`` nothing asks it anything (a stopped server would
    /// hang `redis-cli`), and it does not count as live.
    func pause(_ target: Pausable) {
        pausedState.withLock { _ = $0.insert(target) }
        process(of: target).signal(SIGSTOP)
    }

    func resume(_ target: Pausable) {
        process(of: target).signal(SIGCONT)
        pausedState.withLock { _ = $0.remove(target) }
    }

    private func process(of target: Pausable) -> ManagedProcess {
        switch target {
        case .dataNode(let index): return cluster.dataNodes[index].process
        case .sentinel(let index): return cluster.sentinels[index].process
        case .coordinator(let index): return coordinators[index].process
        }
    }

    private func paused(_ target: Pausable) -> Bool { pausedState.withLock { $0.contains(target) } }

    /// Sets `fault` on every proxy of coordinator `index`.
    func setFault(_ fault: FaultProxy.Fault, coordinator index: Int) {
        for proxy in proxies[index] { proxy.set(fault) }
    }

    // MARK: - Observing

    /// The data node index of the master every live, unpaused sentinel names (nil while they disagree).
    func agreedMasterIndex() async throws -> Int? {
        let ignoring = Set(cluster.sentinels.indices.filter { paused(.sentinel($0)) })
        guard let master = try await cluster.agreedMaster(ignoring: ignoring) else { return nil }
        return cluster.dataNodes.firstIndex { $0 === master }
    }

    /// Indices of the data nodes that run and are not paused.
    var liveNodes: [Int] {
        cluster.dataNodes.indices.filter { cluster.dataNodes[$0].process.isRunning && !paused(.dataNode($0)) }
    }

    /// Indices of the coordinators that run and are not paused.
    var liveCoordinators: [Int] {
        coordinators.indices.filter { coordinators[$0].process.isRunning && !paused(.coordinator($0)) }
    }

    /// Indices of the live coordinators whose `/status` says leader.
    func leaders() -> [Int] {
        liveCoordinators.filter { coordinators[$0].isLeader }
    }

    /// Every key under the root key on data node `index`, with its value.
    func keys(onNode index: Int) async throws -> [String: String] {
        let script = """
            local keys = redis.call('KEYS', ARGV[1]) table.sort(keys) local out = {}
            for _, key in ipairs(keys) do out[#out + 1] = key out[#out + 1] = redis.call('GET', key) end return out
            """
        let output = try await cluster.cli(cluster.dataNodes[index], "EVAL_RO", script, "0", "\(Self.rootKey)*")
        let lines = output.isEmpty ? [] : output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var keys: [String: String] = [:]
        for line in stride(from: 0, to: lines.count - 1, by: 2) { keys[lines[line]] = lines[line + 1] }
        return keys
    }

    /// Why the deployment has not converged on the current generation, or nil when it has: one live
    /// coordinator leads, and the master named by the sentinels and every other live data node hold exactly
    /// the desired keys.
    func divergence() async -> String? {
        let desired = desiredKeys(generation: generation)
        do {
            guard let master = try await agreedMasterIndex() else { return "the sentinels do not agree on a master" }
            guard liveNodes.contains(master) else { return "the master (node \(master)) is not live" }
            let leaders = leaders()
            guard leaders.count == 1 else { return "\(leaders.count) leaders" }
            for node in liveNodes {
                let keys = try await keys(onNode: node)
                if keys != desired {
                    let missing = desired.filter { keys[$0.key] != $0.value }
                    let extra = keys.keys.filter { desired[$0] == nil }
                    let example = missing.first.map { " (\($0.key) is \(keys[$0.key].map { "'\($0)'" } ?? "missing"), not '\($0.value)')" } ?? ""
                    return "node \(node)\(node == master ? " (master)" : ""): \(missing.count) desired keys missing or different\(example), \(extra.count) extra (of \(keys.count))"
                }
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Waits until ``divergence()`` is nil and returns the time since `start`. Fails the test when that took
    /// longer than `bound`; gives up (throws) after `bound` + 20 s.
    @discardableResult
    func converge(within bound: Duration, from start: ContinuousClock.Instant) async throws -> Duration {
        let deadline = start + bound + .seconds(20)
        var last = "not checked"
        while ContinuousClock.now < deadline {
            guard let reason = await divergence() else {
                let elapsed = ContinuousClock.now - start
                #expect(elapsed <= bound, "converged after \(elapsed), over the bound of \(bound)")
                return elapsed
            }
            last = reason
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError.timedOut("convergence on generation \(generation) within \(bound) + 20 s: \(last)")
    }

    /// Waits until exactly one live coordinator leads and returns its index.
    func waitForLeader(timeout: Duration = .seconds(15)) async throws -> Int {
        var leader: Int?
        try await waitUntil("one leader", timeout: timeout) {
            let found = leaders()
            leader = found.count == 1 ? found[0] : nil
            return leader != nil
        }
        return leader!
    }

    /// The coordinators' logs (JSON lines), for the checker.
    func coordinatorLogs() -> [String] { coordinators.map(\.log) }

    func logs() -> String {
        coordinators.map { "== \($0.instanceId)\n\($0.log.suffix(6000))" }.joined(separator: "\n")
    }
}

/// Reads the rules of every router from every live data node with one `MGET` at a time, as fast as it can,
/// and records any reply that mixes generations (a partial publish seen).
final class GenerationReader: Sendable {
    private let state = Mutex((reads: 0, mixed: [String]()))
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ deployment: ChaosDeployment) {
        let keys = (0..<deployment.routers).map { "\(ChaosDeployment.rootKey)/http/routers/r\($0)/rule" }
        let run = Task { [self] in
            while !Task.isCancelled {
                for node in deployment.liveNodes {
                    guard
                        let output = try? await deployment.cluster.dataNodes[node].cli(arguments: ["MGET"] + keys)
                    else { continue }
                    let generations = Set(output.split(separator: "\n").map { $0.split(separator: "-").first ?? "" })
                    self.state.withLock { state in
                        state.reads += 1
                        if generations.count > 1 { state.mixed.append("node \(node): \(generations.sorted())") }
                    }
                }
            }
        }
        task.withLock { $0 = run }
    }

    /// Stops reading; returns how many reads were made and the mixed ones.
    func stop() async -> (reads: Int, mixed: [String]) {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
        return state.withLock { $0 }
    }
}
