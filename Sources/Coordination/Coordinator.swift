import Foundation
public import Logging
import RedisClient
import TraefikConfig

/// The daemon: takes part in the lease election, watches the desired configuration, and while it leads,
/// publishes (fenced) and reconciles — on every new term, after every master change, after every settled
/// change of the files, and every reconcile interval.
public actor Coordinator {
    /// Why a publish is attempted.
    enum Trigger: Sendable {
        case elected, desiredChanged, reconcileTimer, masterChanged
    }

    public nonisolated let settings: CoordinatorSettings
    private let target: RedisTarget
    private let lease: LeaseElector
    private let publisher: Publisher
    private let webhook: AlertWebhook?
    private let traefikAPI: TraefikAPI
    /// Repeated Redis failures, reported once and then at most once a minute; `/status` and readiness read it.
    private let problems: RedisProblemLog
    private var logger: Logger
    private let triggers: AsyncStream<Trigger>
    private let triggerSink: AsyncStream<Trigger>.Continuation

    private var desired: DesiredState?
    /// What the desired configuration is validated for: the oldest of `traefik.version` and the Traefik pods'
    /// versions (`traefik.apiEndpoints`, read at start and at every health check).
    private var traefikTarget: TraefikTarget
    /// The last version each listed pod reported: a pod that stops answering for a while keeps its version,
    /// so the target never jumps to a newer Traefik while an older one may still read the keys.
    private var podVersions: [String: TraefikVersion] = [:]
    private var desiredErrors: [String] = []
    private var role = "follower"
    private var term: Int64?
    private var lastPublish: CoordinatorStatus.LastPublish?
    private var publishedHash: String?
    private var foreignKeys: [String] = []
    private var health: HealthReport?
    /// When a keyspace event under the root key arrived that no health check has covered yet.
    private var unverifiedEventSince: ContinuousClock.Instant?
    /// When each Traefik pod was first seen converged (cleared when it is not).
    private var convergedSince: [String: String] = [:]
    /// Nodes whose notifications were failing at the last check (to log transitions once).
    private var failingNodes: Set<String> = []
    /// Set by ``beginShutdown()``, before the run is cancelled: readiness turns false first.
    private var stopping = false

    /// Creates the coordinator; ``run()`` starts it.
    ///
    /// - Throws: a setting of the alert webhook or of Traefik's API that cannot be used (a URL, or a TLS file
    ///   for `https://`): these are loaded here, so that the start fails rather than every alert.
    public init(settings: CoordinatorSettings, target: RedisTarget, logger: Logger) throws(SettingsError) {
        self.settings = settings
        self.target = target
        var logger = logger
        logger[metadataKey: "instance"] = "\(settings.instanceId)"
        self.logger = logger
        let keys = StateKeys(prefix: settings.effectiveStatePrefix)
        problems = RedisProblemLog(logger: logger)
        lease = LeaseElector(
            redis: target.executor, keys: keys, instanceId: settings.instanceId, timing: settings.lease, logger: logger,
            problems: problems, announcementFix: Self.aclFix(settings, "&\(keys.releasedChannel)"))
        publisher = Publisher(
            redis: target.executor, keys: keys, rootKey: settings.rootKey, prune: settings.prune,
            atomicLimit: settings.atomicLimit, logger: logger)
        (triggers, triggerSink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        webhook = try AlertWebhook.make(settings: settings, logger: logger)
        traefikAPI = try TraefikAPI(settings: settings, logger: logger)
        traefikTarget = settings.traefikTarget
    }

    /// Runs until the calling task is cancelled (SIGTERM), then releases the lease so a successor takes over
    /// at once.
    public func run() async {
        // The pods' versions first: a configuration an older pod cannot read must not be published on election.
        if !traefikAPI.isEmpty {
            traefikTarget = TraefikAPI.target(configured: settings.traefikVersion, pods: await traefikAPI.versions())
        }
        logger.info("validating for Traefik \(traefikTarget.version)", metadata: ["source": "\(traefikTarget.source ?? "the newest known")"])
        loadDesired()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.target.follow() }
            group.addTask { await self.lease.run() }
            group.addTask { await self.followLease() }
            group.addTask { await self.listenForReleases() }
            group.addTask { await self.followMaster() }
            group.addTask { await self.watchDesired() }
            group.addTask { await self.reconcilePeriodically() }
            group.addTask { await self.publishOnTriggers() }
            group.addTask { await self.checkHealthPeriodically() }
            group.addTask { await self.verifyOnKeyspaceEvents() }
        }
        // The group ends when cancelled; release outside the cancelled task, or the command would be refused.
        let lease = self.lease
        let logger = self.logger
        await Task { await FaultInjection.holdShutdown(logger: logger) }.value
        await Task { await lease.release() }.value
        await lease.finish()
        triggerSink.finish()
    }

    /// The first step of a graceful shutdown, before the run is cancelled: readiness turns false (and
    /// `/status` says `stopping`) while the lease is still held, so probes see the replica leave before it
    /// releases the lease and closes its connections.
    public func beginShutdown() {
        guard !stopping else { return }
        stopping = true
        logger.notice("shutting down: not ready from now on; releasing the lease next")
    }

    /// The state for `/status`.
    public func status() async -> CoordinatorStatus {
        let holder = await lease.observedHolder
        let address = await target.masterAddress
        let redisProblems = await problems.problems
        let ready = address != nil && desired != nil && !stopping && !redisProblems.contains { $0.kind != .transient }
        return CoordinatorStatus(
            instanceId: settings.instanceId, role: role, term: term,
            leaderId: holder.map(LeaseToken.instance(of:)),
            masterAddress: address?.description, rootKey: settings.rootKey, statePrefix: settings.effectiveStatePrefix,
            desiredHash: desired?.hash, desiredFiles: desired?.files ?? [], desiredErrors: desiredErrors,
            publishedHash: publishedHash, lastPublish: lastPublish, foreignKeys: foreignKeys, health: health, ready: ready,
            stopping: stopping, redisProblems: redisProblems,
            traefikVersion: CoordinatorStatus.ValidatedFor(version: traefikTarget.version.description, source: traefikTarget.source))
    }

    // MARK: - Inputs

    private func loadDesired() {
        guard let path = settings.dynamic else {
            desiredErrors = ["traefik.dynamic is not set"]
            return
        }
        switch DesiredState.load(path: path, rootKey: settings.rootKey, target: traefikTarget) {
        case .success(let state):
            let changed = state.hash != desired?.hash
            desired = state
            desiredErrors = []
            if changed { logger.info("desired configuration loaded", metadata: ["hash": "\(state.hash.prefix(12))", "keys": "\(state.pairs.count)"]) }
        case .failure(let error):
            desiredErrors = error.problems
            CoordinatorMetrics.configLoadFailed()
            logger.error(
                "the dynamic configuration was rejected; the last good configuration stays published",
                metadata: ["problems": "\(error.problems.prefix(20))"])
        }
    }

    private func watchDesired() async {
        guard let path = settings.dynamic else { return }
        await DesiredStateWatcher(path: path, debounce: settings.debounce).run {
            await self.desiredFilesChanged()
        }
    }

    private func desiredFilesChanged() {
        let before = desired?.hash
        loadDesired()
        if desired?.hash != before { triggerSink.yield(.desiredChanged) }
    }

    private func followLease() async {
        for await event in lease.events {
            switch event {
            case .elected(let newTerm, _):
                role = "leader"
                term = newTerm
                CoordinatorMetrics.leadership(isLeader: true, term: newTerm)
                logger[metadataKey: "term"] = "\(newTerm)"
                triggerSink.yield(.elected)
            case .steppedDown:
                role = "follower"
                CoordinatorMetrics.leadership(isLeader: false, term: term)
            }
        }
    }

    /// A leader that releases the lease announces it: try at once rather than at the next retry period.
    private func listenForReleases() async {
        let subscriber = target.makeSubscriber(logger: logger)
        let channel = StateKeys(prefix: settings.effectiveStatePrefix).releasedChannel
        try? await subscriber.subscribe([channel])
        let lease = self.lease
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await subscriber.run(onConfigurationError: .retry(maximumDelay: .seconds(30))) }
            group.addTask { await self.report(subscriber.events, as: .releaseChannel, fix: Self.aclFix(self.settings, "&\(channel)")) }
            for await _ in subscriber.messages {
                await lease.step()
            }
            group.cancelAll()
        }
    }

    /// Reports a subscriber's failures (a refused channel, a wrong password) to the problem log, and clears
    /// them when it subscribes.
    private func report(_ events: AsyncStream<RedisSubscriberEvent>, as activity: RedisProblemLog.Activity, fix: String) async {
        for await event in events {
            switch event {
            case .subscribed: await problems.succeeded(activity)
            case .failed(let error):
                await problems.failed(activity, error: error, fix: error.serverError?.kind == .noPermission ? fix : nil)
            case .disconnected: break
            }
        }
    }

    /// The `ACL SETUSER` line that grants `rules` to the coordinator's user.
    nonisolated static func aclFix(_ settings: CoordinatorSettings, _ rules: String) -> String {
        "ACL SETUSER \(settings.redis.username ?? "default") \(rules) (and the same rule in your aclfile or users.acl)"
    }

    private func followMaster() async {
        guard let sentinel = target.sentinel else { return }
        for await event in sentinel.events {
            if case .masterChanged = event {
                CoordinatorMetrics.masterChanged()
                triggerSink.yield(.masterChanged)
                await checkHealth()  // the promoted node may lack notifications: check it at once
            }
        }
    }

    private func reconcilePeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.reconcileInterval)
            if !Task.isCancelled { triggerSink.yield(.reconcileTimer) }
        }
    }

    // MARK: - Health

    private func checkHealthPeriodically() async {
        while !Task.isCancelled {
            await checkHealth()
            try? await Task.sleep(for: settings.notificationCheckInterval)
        }
    }

    /// Verifies again after writes under the root key (manual edits, other writers, our own publishes): the
    /// events Traefik reacts to, debounced by one second.
    private func verifyOnKeyspaceEvents() async {
        let subscriber = target.makeSubscriber(logger: logger)
        let pattern = AccessControlCheck.keyspacePattern(rootKey: settings.rootKey, database: settings.redis.database)
        try? await subscriber.psubscribe([pattern])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await subscriber.run(onConfigurationError: .retry(maximumDelay: .seconds(30))) }
            group.addTask { await self.report(subscriber.events, as: .keyspaceChannel, fix: Self.aclFix(self.settings, "&\(pattern)")) }
            group.addTask {
                for await _ in subscriber.messages { await self.keyspaceEventArrived() }
            }
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if let since = unverifiedEventSince, ContinuousClock.now - since >= .seconds(1) {
                    unverifiedEventSince = nil
                    await checkHealth()
                }
            }
            group.cancelAll()
        }
    }

    private func keyspaceEventArrived() {
        if unverifiedEventSince == nil { unverifiedEventSince = .now }
    }

    /// Checks notifications and drift on every node; logs an error with the remedy when a node starts failing.
    func checkHealth() async {
        var report = await HealthReport.collect(
            settings: settings, target: target, traefikAPI: traefikAPI, desired: desired, desiredProblems: desiredErrors,
            autoFix: settings.notificationAutoFix)
        for index in report.traefik.indices {
            let pod = report.traefik[index]
            if pod.converged {
                let since = convergedSince[pod.endpoint] ?? ISO8601DateFormatter().string(from: Date())
                convergedSince[pod.endpoint] = since
                report.traefik[index].convergedSince = since
            } else {
                convergedSince[pod.endpoint] = nil
            }
        }
        health = report
        CoordinatorMetrics.health(report)
        followTraefikVersions(report.traefik)
        if let unreachable = report.masterUnreachable {
            await problems.failed(.health, kind: unreachable.kind, message: unreachable.message, fix: nil)
        } else {
            await problems.succeeded(.health)
        }
        if let refused = report.nodes.first(where: { $0.notifications.state == .inconclusive && $0.notifications.remedy?.hasPrefix("ACL SETUSER") == true }) {
            await problems.failed(
                .probeChannel, kind: .permission, message: "\(refused.address): \(refused.notifications.detail)", fix: refused.notifications.remedy)
        } else if report.masterUnreachable == nil {
            await problems.succeeded(.probeChannel)
        }
        var failing = Set<String>()
        for node in report.nodes where !node.notifications.isHealthy && node.notifications.state != .inconclusive {
            failing.insert(node.address)
            if !failingNodes.contains(node.address) {
                alert("notifications.failing", node)
                logger.error(
                    "Traefik would not see changes through this node: keyspace notifications are not enabled",
                    metadata: [
                        "redis.node": "\(node.address)", "redis.role": "\(node.role)", "detail": "\(node.notifications.detail)",
                        "remedy": "\(node.notifications.remedy ?? "")",
                    ])
            }
        }
        for address in failingNodes.subtracting(failing) {
            logger.notice("keyspace notifications are healthy again", metadata: ["redis.node": "\(address)"])
            if let node = report.nodes.first(where: { $0.address == address }) { alert("notifications.recovered", node) }
        }
        failingNodes = failing
        for node in report.nodes where node.drift?.inSync == false && node.role == "replica" {
            logger.warning(
                "a replica differs from the desired configuration",
                metadata: ["redis.node": "\(node.address)", "missing": "\(node.drift?.missing ?? 0)", "changed": "\(node.drift?.changed ?? 0)"])
        }
    }

    /// Validates for the oldest pod seen (or `traefik.version`): when that changes (an older pod joined, the
    /// last old one left), the desired configuration is validated again for it, and published if it changed.
    private func followTraefikVersions(_ pods: [TraefikPodStatus]) {
        guard !pods.isEmpty else { return }
        var versions: [String: TraefikVersion] = [:]
        for pod in pods {
            versions[pod.endpoint] = pod.version.flatMap(TraefikVersion.init(parsing:)) ?? podVersions[pod.endpoint]
        }
        podVersions = versions
        let target = TraefikAPI.target(configured: settings.traefikVersion, pods: versions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        guard target != traefikTarget else { return }
        logger.notice(
            "the oldest Traefik changed: validating for it", metadata: [
                "version": "\(target.version)", "source": "\(target.source ?? "the newest known")", "previous": "\(traefikTarget.version)",
            ])
        traefikTarget = target
        desiredFilesChanged()
    }

    /// Sends a notification-health change to `alerts.webhookURL`, without holding up the health loop.
    private func alert(_ event: String, _ node: HealthReport.Node) {
        guard let webhook else { return }
        let payload = AlertEvent(
            event: event, instance: settings.instanceId, node: node.address, role: node.role,
            state: node.notifications.state.rawValue, detail: node.notifications.detail, remedy: node.notifications.remedy,
            at: ISO8601DateFormatter().string(from: Date()))
        Task { await webhook.send(payload) }
    }

    // MARK: - Publishing

    private func publishOnTriggers() async {
        for await trigger in triggers {
            await publishIfLeading(because: trigger)
        }
    }

    private func publishIfLeading(because trigger: Trigger) async {
        guard let desired, await lease.leadership() != nil else { return }
        let lease = self.lease
        let at = ISO8601DateFormatter().string(from: Date())
        do {
            let result = try await publisher.publish(
                desired: desired.pairs, hash: desired.hash, instanceId: settings.instanceId,
                incremental: trigger == .desiredChanged, leadership: { await lease.leadership() })
            await problems.succeeded(.publish)
            publishedHash = result.hash
            foreignKeys = result.foreign
            let changed = result.written + result.deleted + result.adopted > 0
            lastPublish = CoordinatorStatus.LastPublish(
                at: at, result: changed ? "published" : "unchanged", hash: result.hash, term: result.term,
                written: result.written, deleted: result.deleted, chunks: result.chunks,
                milliseconds: result.milliseconds, error: nil)
            CoordinatorMetrics.publish(
                result: changed ? "published" : "unchanged", milliseconds: result.milliseconds, keys: desired.pairs.count)
            if changed || trigger != .reconcileTimer {
                logger.info(
                    "publish done", metadata: ["trigger": "\(trigger)", "written": "\(result.written)", "deleted": "\(result.deleted)"])
            }
        } catch {
            lastPublish = CoordinatorStatus.LastPublish(
                at: at, result: { if case .notLeader = error { "refused" } else { "failed" } }(), hash: desired.hash,
                term: term, written: 0, deleted: 0, chunks: 0, milliseconds: 0, error: error.description)
            CoordinatorMetrics.publish(result: lastPublish?.result ?? "failed", milliseconds: 0, keys: nil)
            switch error {
            case .notLeader(let message):
                logger.error("the fence refused our publish; stepping down", metadata: ["server": "\(message)"])
                await lease.fenceRefused(reason: message)
            case .noLeadership:
                break
            case .redis(let message):
                await problems.failed(
                    .publish, kind: message.contains("NOPERM") ? .permission : .transient,
                    message: "\(message) (retried at the next trigger)", fix: nil)
            }
        }
    }
}
