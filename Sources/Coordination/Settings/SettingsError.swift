/// A coordinator configuration that cannot be used, naming the setting and where its value came from (a file
/// and line, or an environment variable). Secret values are never part of the message.
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The settings path (`redis.tls.ca`), or the file for syntax errors.
    public var setting: String
    /// Where the value came from: `config.yaml:12`, `env TRAEFIK_COORDINATOR_REDIS_DB`.
    public var origin: String?
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(setting: String, origin: String? = nil, message: String) {
        self.setting = setting
        self.origin = origin
        self.message = message
    }

    public var description: String {
        (origin.map { "\($0): " } ?? "") + "\(setting): \(message)"
    }
}
