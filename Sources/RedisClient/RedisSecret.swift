import Foundation

/// A password or token that must never be printed.
///
/// Its `description` and `debugDescription` are `<redacted>`, so string interpolation, logging and `dump`
/// cannot leak it; only the connection handshake reads ``value``.
///
/// A secret read from a file (`redis.passwordFile`, a mounted Kubernetes Secret) is read again each time
/// ``value`` is asked for, that is at every new connection: a password fixed or rotated in the file takes
/// effect at the next reconnect, without a restart. While the file cannot be read or is empty, the last value
/// read is used.
public struct RedisSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    ExpressibleByStringLiteral
{
    private enum Source: Sendable, Hashable {
        case literal(String)
        case file(path: String, lastRead: String)
    }

    private let source: Source

    /// Wraps a secret.
    public init(_ value: String) { source = .literal(value) }
    public init(stringLiteral value: String) { source = .literal(value) }

    /// A secret kept in the file at `path`, whose content was `initialValue` when the settings were read.
    public init(file path: String, initialValue: String) { source = .file(path: path, lastRead: initialValue) }

    /// The secret itself. Read it only to send it to the server.
    public var value: String {
        switch source {
        case .literal(let value):
            return value
        case .file(let path, let lastRead):
            return Self.read(path) ?? lastRead
        }
    }

    /// The file the secret is read from, if any (its path is not secret).
    public var file: String? {
        if case .file(let path, _) = source { return path }
        return nil
    }

    /// The file's content without trailing line breaks, or nil when it cannot be read or is empty.
    public static func read(_ path: String) -> String? {
        guard var text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text.isEmpty ? nil : text
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
