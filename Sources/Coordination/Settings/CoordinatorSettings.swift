public import Foundation
public import RedisClient
public import TraefikConfig

/// The coordinator's configuration: a YAML file (`--config`), every key overridable by a
/// `TRAEFIK_COORDINATOR_*` environment variable, secrets from `*File` settings. Unknown keys are errors.
///
/// | Setting | Default |
/// |---|---|
/// | `redis.endpoints` | — (the Redis address, or the sentinels' with `redis.sentinel.masterName`; `rediss://` for TLS) |
/// | `redis.db`, `redis.username`, `redis.password` / `redis.passwordFile` | 0, none |
/// | `redis.tls.{ca,cert,key,serverName,insecureSkipVerify,minimumVersion}` | no TLS (`redis.tls: true` = system trust) |
/// | `redis.sentinel.{masterName,username,password,passwordFile,tls}` | no Sentinel; `tls` inherits `redis.tls` |
/// | `redis.addressMap`, `redis.connectTimeout`, `redis.commandTimeout` | none, 2s, 5s |
/// | `traefik.redisUsername` | none (Traefik's ACL user, verified by `check`) |
/// | `traefik.version` | the newest the schema knows (the oldest Traefik reading the keys, e.g. `"3.2"`) |
/// | `traefik.rootKey`, `traefik.dynamic`, `traefik.apiEndpoints` | `traefik`, —, none (`http://` or `https://` URLs; no port: 8080 for http, 443 for https) |
/// | `traefik.apiTLS.{ca,cert,key,serverName,insecureSkipVerify,minimumVersion,handshakeTimeout}` | system trust store, as `redis.tls` (for `https://` endpoints) |
/// | `coordinator.instanceId`, `coordinator.statePrefix` | host name + random suffix, `coordinator:<rootKey>:` |
/// | `coordinator.prune` | `owned` (only keys we wrote are deleted; `all` deletes foreign keys too) |
/// | `coordinator.reconcileInterval`, `coordinator.debounce`, `coordinator.atomicLimit` | 30s, 500ms, 50000 |
/// | `lease.{duration,renewDeadline,retryPeriod}` | 10s, 7s, 2s |
/// | `notifications.{required,checkInterval,autoFix}` | `Kg$`, 30s, false |
/// | `admin.listen`, `log.level`, `log.format` | `0.0.0.0:8080`, `info`, `text` |
/// | `alerts.webhookURL` | none (`http://` or `https://`; notification-health changes POSTed as JSON, 3 attempts) |
/// | `alerts.tls.{ca,cert,key,serverName,insecureSkipVerify,minimumVersion,handshakeTimeout}` | system trust store, as `redis.tls` (for an `https://` webhook) |
public struct CoordinatorSettings: Sendable {
    /// How to reach Redis.
    public struct Redis: Sendable {
        public var endpoints: [RedisEndpoint] = []
        public var database = 0
        public var username: String?
        public var password: RedisSecret?
        public var tls: TLSConfiguration?
        public var sentinel: Sentinel?
        public var addressMap = RedisAddressMap()
        public var connectTimeout: Duration = .seconds(2)
        public var commandTimeout: Duration = .seconds(5)
    }

    /// Sentinel discovery (present when `redis.sentinel.masterName` is set).
    public struct Sentinel: Sendable {
        public var masterName: String
        public var username: String?
        public var password: RedisSecret?
        public var tls: SentinelTLSSetting = .inherit
    }

    /// Lease timing, like Kubernetes leader election.
    public struct Lease: Sendable, Hashable {
        public var duration: Duration = .seconds(10)
        public var renewDeadline: Duration = .seconds(7)
        public var retryPeriod: Duration = .seconds(2)
        public init(duration: Duration = .seconds(10), renewDeadline: Duration = .seconds(7), retryPeriod: Duration = .seconds(2)) {
            self.duration = duration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }
    }

    /// Which keys under the root key may be deleted.
    public enum Prune: String, Sendable, Hashable {
        /// Only keys in our manifest (keys written by someone else are reported, never deleted).
        case owned
        /// Every key under the root key that is not desired.
        case all
    }

    public var redis = Redis()
    public var rootKey = TraefikConfig.defaultRootKey
    /// The dynamic-configuration file or directory.
    public var dynamic: String?
    /// `http://` or `https://` URLs of Traefik's API (checked in ``load(file:environment:)``).
    public var apiEndpoints: [String] = []
    /// `traefik.redisUsername`: Traefik's own ACL user (`providers.redis.username`); `check` verifies that it
    /// may read the root key and subscribe to its keyspace events (nil: not checked).
    public var traefikRedisUsername: String?
    /// `traefik.version`: the oldest Traefik that reads these keys (`"3.2"`, `"3.2.3"`); fields it lacks are
    /// refused before anything is published. nil: the newest the schema knows.
    public var traefikVersion: TraefikVersion?

    /// What configurations are validated for: `traefik.version`, or the newest known Traefik.
    public var traefikTarget: TraefikTarget {
        traefikVersion.map { TraefikTarget.clamped($0, source: "traefik.version") } ?? .newest
    }
    /// `traefik.apiTLS`: how the `https://` endpoints of ``apiEndpoints`` are verified (default: the system
    /// trust store, and the URL's host).
    public var traefikAPITLS = TLSConfiguration(settingsPath: "traefik.apiTLS")
    public var instanceId: String = CoordinatorSettings.defaultInstanceId()
    public var statePrefix: String?
    public var prune = Prune.owned
    public var reconcileInterval: Duration = .seconds(30)
    public var debounce: Duration = .milliseconds(500)
    /// The most key operations published in one atomic step; larger diffs go in ordered chunks.
    public var atomicLimit = 50_000
    public var lease = Lease()
    public var requiredNotifications = "Kg$"
    public var notificationCheckInterval: Duration = .seconds(30)
    public var notificationAutoFix = false
    public var adminListen = "0.0.0.0:8080"
    /// `alerts.webhookURL`: where notification-health changes are POSTed as JSON (nil: no webhook).
    public var alertWebhookURL: String?
    /// `alerts.tls`: how an `https://` webhook receiver is verified (default: the system trust store, and the
    /// URL's host).
    public var alertTLS = TLSConfiguration(settingsPath: "alerts.tls")
    public var logLevel = "info"
    public var logFormat = "text"

    /// Defaults only (tests and tools set fields directly).
    public init() {}

    /// The state prefix in use: the configured one, or `coordinator:<rootKey>:`.
    public var effectiveStatePrefix: String {
        statePrefix ?? Coordination.defaultStatePrefix(rootKey: rootKey)
    }

    /// Loads `file` (if any), then the environment over it, and validates the result.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(SettingsError) -> CoordinatorSettings {
        var raw: [String: RawSetting] = [:]
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw SettingsError(setting: file, message: "cannot read the configuration file: \(error.localizedDescription)")
            }
            raw = try SettingsSource.read(yaml: text, file: file)
        }
        raw.merge(try SettingsSource.read(environment: environment)) { _, fromEnvironment in fromEnvironment }
        var settings = CoordinatorSettings()
        try settings.apply(SettingsReader(raw: raw))
        try settings.validate()
        return settings
    }

    private mutating func apply(_ reader: SettingsReader) throws(SettingsError) {
        redis.endpoints = []
        for text in try reader.list("redis.endpoints") {
            redis.endpoints.append(try reader.endpoint(text, path: "redis.endpoints"))
        }
        redis.database = try reader.int("redis.db") ?? 0
        redis.username = reader.string("redis.username")
        redis.password = try reader.secret("redis.password")
        redis.tls = try reader.tls("redis.tls", settingsPath: "redis.tls")
        if let text = try reader.map("redis.addressMap") {
            do {
                redis.addressMap = try RedisAddressMap(parsing: text)
            } catch {
                throw SettingsError(setting: "redis.addressMap", origin: reader.origin("redis.addressMap"), message: error.description)
            }
        }
        redis.connectTimeout = try reader.duration("redis.connectTimeout") ?? redis.connectTimeout
        redis.commandTimeout = try reader.duration("redis.commandTimeout") ?? redis.commandTimeout
        if let masterName = reader.string("redis.sentinel.masterName") {
            var sentinel = Sentinel(masterName: masterName)
            sentinel.username = reader.string("redis.sentinel.username")
            sentinel.password = try reader.secret("redis.sentinel.password")
            if reader.isFalse("redis.sentinel.tls") {
                sentinel.tls = .disabled
            } else if let own = try reader.tls("redis.sentinel.tls", settingsPath: "redis.sentinel.tls") {
                sentinel.tls = .enabled(own)
            }
            redis.sentinel = sentinel
        } else {
            for path in ["redis.sentinel.username", "redis.sentinel.password", "redis.sentinel.passwordFile", "redis.sentinel.tls"]
            where reader.has(path) {
                throw SettingsError(setting: path, origin: reader.origin(path), message: "set redis.sentinel.masterName to use Sentinel")
            }
        }
        rootKey = reader.string("traefik.rootKey") ?? rootKey
        dynamic = reader.string("traefik.dynamic")
        apiEndpoints = try reader.list("traefik.apiEndpoints")
        traefikRedisUsername = reader.string("traefik.redisUsername")
        if let text = reader.string("traefik.version") {
            guard let version = TraefikVersion(parsing: text) else {
                throw SettingsError(
                    setting: "traefik.version", origin: reader.origin("traefik.version"),
                    message: "'\(text)' is not a Traefik version: write it quoted, as \"3.2\" or \"3.2.3\"")
            }
            if let (isError, message) = TraefikTarget.support(of: version), isError {
                throw SettingsError(setting: "traefik.version", origin: reader.origin("traefik.version"), message: message)
            }
            traefikVersion = version
        }
        var schemes = Set<HTTPEndpoint.Scheme>()
        for text in apiEndpoints {
            schemes.insert(try Self.httpEndpoint(text, defaultHTTPPort: 8080, path: "traefik.apiEndpoints", reader: reader).scheme)
        }
        traefikAPITLS = try Self.httpsTLS("traefik.apiTLS", for: "traefik.apiEndpoints", https: schemes.contains(.https), reader: reader)
        instanceId = reader.string("coordinator.instanceId") ?? instanceId
        statePrefix = reader.string("coordinator.statePrefix")
        if let text = reader.string("coordinator.prune") {
            guard let value = Prune(rawValue: text) else {
                throw SettingsError(setting: "coordinator.prune", origin: reader.origin("coordinator.prune"), message: "expected owned or all")
            }
            prune = value
        }
        reconcileInterval = try reader.duration("coordinator.reconcileInterval") ?? reconcileInterval
        debounce = try reader.duration("coordinator.debounce") ?? debounce
        atomicLimit = try reader.int("coordinator.atomicLimit") ?? atomicLimit
        lease.duration = try reader.duration("lease.duration") ?? lease.duration
        lease.renewDeadline = try reader.duration("lease.renewDeadline") ?? lease.renewDeadline
        lease.retryPeriod = try reader.duration("lease.retryPeriod") ?? lease.retryPeriod
        requiredNotifications = reader.string("notifications.required") ?? requiredNotifications
        notificationCheckInterval = try reader.duration("notifications.checkInterval") ?? notificationCheckInterval
        notificationAutoFix = try reader.bool("notifications.autoFix") ?? notificationAutoFix
        adminListen = reader.string("admin.listen") ?? adminListen
        alertWebhookURL = reader.string("alerts.webhookURL")
        var webhookScheme: HTTPEndpoint.Scheme?
        if let text = alertWebhookURL {
            webhookScheme = try Self.httpEndpoint(text, defaultHTTPPort: 80, path: "alerts.webhookURL", reader: reader).scheme
        }
        alertTLS = try Self.httpsTLS("alerts.tls", for: "alerts.webhookURL", https: webhookScheme == .https, reader: reader)
        logLevel = reader.string("log.level") ?? logLevel
        logFormat = reader.string("log.format") ?? logFormat
    }

    /// `text` as an `http://` or `https://` URL, or an error naming `path`.
    private static func httpEndpoint(
        _ text: String, defaultHTTPPort: Int, path: String, reader: SettingsReader
    ) throws(SettingsError) -> HTTPEndpoint {
        do {
            return try HTTPEndpoint(parsing: text, defaultHTTPPort: defaultHTTPPort)
        } catch {
            throw SettingsError(setting: path, origin: reader.origin(path), message: error.message)
        }
    }

    /// The TLS section at `path` (`alerts.tls`) for the `https://` URLs of `urlSetting`; a section that no
    /// `https://` URL would use is an error (it would be ignored in silence).
    private static func httpsTLS(
        _ path: String, for urlSetting: String, https: Bool, reader: SettingsReader
    ) throws(SettingsError) -> TLSConfiguration {
        guard let tls = try reader.tls(path, settingsPath: path) else { return TLSConfiguration(settingsPath: path) }
        if !https {
            let set = SettingsSchema.tlsLeaves.map { "\(path).\($0.0)" }.first(where: reader.has) ?? path
            throw SettingsError(
                setting: set, origin: reader.origin(set),
                message: "\(path) applies to https:// URLs only and \(urlSetting) has none: write https:// or remove \(path)")
        }
        return tls
    }

    /// Checks what no single setting can: lease timing order, state prefix outside `<rootKey>*`, endpoints.
    public func validate() throws(SettingsError) {
        if redis.endpoints.isEmpty {
            throw SettingsError(setting: "redis.endpoints", message: "required: the Redis address (or the sentinels' addresses with redis.sentinel.masterName)")
        }
        guard lease.duration > lease.renewDeadline, lease.renewDeadline > lease.retryPeriod, lease.retryPeriod > .zero else {
            throw SettingsError(
                setting: "lease", message: "expected duration > renewDeadline > retryPeriod > 0 (defaults 10s, 7s, 2s), got \(Self.format(lease.duration)), \(Self.format(lease.renewDeadline)), \(Self.format(lease.retryPeriod))")
        }
        if rootKey.isEmpty || rootKey.hasSuffix("/") {
            throw SettingsError(setting: "traefik.rootKey", message: "must not be empty or end with / (Traefik's default is traefik)")
        }
        if effectiveStatePrefix.hasPrefix(rootKey) {
            throw SettingsError(
                setting: "coordinator.statePrefix",
                message: "'\(effectiveStatePrefix)' starts with the root key '\(rootKey)': Traefik scans \(rootKey)* and would read (and choke on) our lease and manifest; choose a prefix that does not start with it")
        }
        if !["owned", "all"].contains(prune.rawValue) { fatalError("unreachable") }
        guard ["text", "json"].contains(logFormat) else {
            throw SettingsError(setting: "log.format", message: "expected text or json")
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw SettingsError(setting: "log.level", message: "expected trace, debug, info, notice, warning, error or critical")
        }
        guard atomicLimit >= 100 else {
            throw SettingsError(setting: "coordinator.atomicLimit", message: "must be at least 100")
        }
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return GoDuration.format(nanoseconds: seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Every setting's path (`redis.sentinel.masterName`, …), sorted: what `conf/coordinator.yaml` documents.
    public static var settingPaths: [String] { SettingsSchema.leaves.keys.sorted() }

    /// `<host name>-<6 random hex digits>`: stable enough to read in logs, unique per process.
    public static func defaultInstanceId() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "coordinator"
        return "\(host)-\(String(UInt32.random(in: 0...0xFFFFFF), radix: 16))"
    }
}
