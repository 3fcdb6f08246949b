/// What `/status` shows: who leads, what is desired, what was published, and the last publish's outcome.
public struct CoordinatorStatus: Sendable, Hashable, Codable {
    /// The outcome of the last publish attempt.
    public struct LastPublish: Sendable, Hashable, Codable {
        /// ISO 8601.
        public var at: String
        /// `published`, `unchanged`, `refused` (fence), `failed`.
        public var result: String
        public var hash: String
        public var term: Int64?
        public var written: Int
        public var deleted: Int
        public var chunks: Int
        public var milliseconds: Int64
        public var error: String?
    }

    public var instanceId: String
    /// `leader` or `follower`.
    public var role: String
    public var term: Int64?
    /// The instance id in the lease's token, when known.
    public var leaderId: String?
    public var masterAddress: String?
    public var rootKey: String
    public var statePrefix: String
    public var desiredHash: String?
    public var desiredFiles: [String]
    /// Problems of the newest desired configuration when it was rejected (the last good one stays).
    public var desiredErrors: [String]
    public var publishedHash: String?
    public var lastPublish: LastPublish?
    /// Keys under the root key that are neither desired nor ours.
    public var foreignKeys: [String]
    /// The last health check of every node: notifications and drift (nil before the first).
    public var health: HealthReport?
    /// Ready: Redis reachable, a valid desired configuration loaded, no Redis configuration or permission
    /// problem open, and not shutting down.
    public var ready: Bool
    /// True from the moment a graceful shutdown began (readiness is false from then on).
    public var stopping: Bool
    /// What keeps failing against Redis, per activity (lease, health, publish, channels), with its kind
    /// (`transient`, `configuration`, `permission`), since when, how often, and the fix where known. A
    /// configuration or permission problem turns readiness false.
    public var redisProblems: [RedisProblemLog.Problem]
    /// The Traefik version the desired configuration is validated for, and where it came from
    /// (`traefik.version`, `pod http://…`; nil: the newest the schema knows).
    public var traefikVersion: ValidatedFor

    /// See ``traefikVersion``.
    public struct ValidatedFor: Sendable, Hashable, Codable {
        public var version: String
        public var source: String?
    }
}
