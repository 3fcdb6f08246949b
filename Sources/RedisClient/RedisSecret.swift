/// A password or token that must never be printed.
///
/// Its `description` and `debugDescription` are `<redacted>`, so string interpolation, logging and `dump`
/// cannot leak it; only the connection handshake reads ``value``.
public struct RedisSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    ExpressibleByStringLiteral
{
    /// The secret itself. Read it only to send it to the server.
    public let value: String

    /// Wraps a secret.
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
