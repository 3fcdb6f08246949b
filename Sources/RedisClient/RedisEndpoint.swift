/// A configured server endpoint: `host:port`, `redis://host:port`, or `rediss://host:port` (TLS).
///
/// `rediss://` is a shorthand for "TLS with default settings" (system trust store, verify the host). Credentials
/// and database numbers are refused in the endpoint: they belong in `redis.username`, `redis.passwordFile` and
/// `redis.db`, where they cannot leak through process listings and logs.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The URL scheme written, if any.
    public enum Scheme: String, Sendable, Hashable {
        case redis
        case rediss
    }

    /// Where to connect.
    public var address: RedisAddress
    /// `nil` for a bare `host:port`.
    public var scheme: Scheme?

    /// Creates an endpoint.
    public init(address: RedisAddress, scheme: Scheme? = nil) {
        self.address = address
        self.scheme = scheme
    }

    /// Parses `host:port`, `[v6]:port`, `redis://host:port` or `rediss://host:port` (port 6379 when omitted).
    public init(parsing text: String, defaultPort: Int = 6379) throws(RedisAddressError) {
        var rest = Substring(text)
        var scheme: Scheme?
        if let separator = rest.firstRange(of: "://") {
            guard let known = Scheme(rawValue: rest[..<separator.lowerBound].lowercased()) else {
                throw RedisAddressError(text: text, reason: "unknown scheme; use host:port, redis://host:port or rediss://host:port (TLS)")
            }
            scheme = known
            rest = rest[separator.upperBound...]
            if rest.hasSuffix("/") { rest = rest.dropLast() }
        }
        if rest.contains("@") {
            throw RedisAddressError(
                text: "<endpoint with credentials>",
                reason: "credentials do not belong in an endpoint: set redis.username and redis.password / redis.passwordFile")
        }
        if rest.contains("/") || rest.contains("?") {
            throw RedisAddressError(text: text, reason: "paths and options are not supported in an endpoint: set the database with redis.db")
        }
        address = try RedisAddress(parsing: String(rest), defaultPort: defaultPort)
        self.scheme = scheme
    }

    /// `rediss://host:port`, `redis://host:port` or `host:port`, as written.
    public var description: String {
        (scheme.map { "\($0.rawValue)://" } ?? "") + address.description
    }

    /// The transport for a set of endpoints: TLS when `tls` is configured or any endpoint says `rediss://`
    /// (with default settings), plain TCP otherwise.
    ///
    /// - Throws: ``TLSError/configuration(setting:reason:)`` when endpoints disagree (`redis://` beside TLS),
    ///   or a TLS file cannot be used.
    public static func transport(
        for endpoints: [RedisEndpoint], tls: TLSConfiguration?, setting: String = "redis.endpoints"
    ) throws(TLSError) -> any RedisTransport {
        let wantsTLS = tls != nil || endpoints.contains { $0.scheme == .rediss }
        guard wantsTLS else { return PlainTCPTransport() }
        if let plaintext = endpoints.first(where: { $0.scheme == .redis }) {
            throw .configuration(
                setting: setting,
                reason: "\(plaintext) asks for plaintext but TLS is configured: write rediss:// (or host:port) for every endpoint, or remove the TLS settings")
        }
        return try TLSTransport(configuration: tls ?? TLSConfiguration())
    }
}
