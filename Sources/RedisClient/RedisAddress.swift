/// A Redis or Sentinel server's address: a host name or IP literal and a TCP port.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    /// Host name, IPv4 literal, or IPv6 literal without brackets.
    public var host: String
    /// TCP port.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port`, or a bare host (port 6379).
    ///
    /// - Throws: ``RedisAddressError`` naming the text when the port is missing a number or out of range.
    public init(parsing text: String, defaultPort: Int = 6379) throws(RedisAddressError) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw RedisAddressError(text: text) }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { throw RedisAddressError(text: text) }
                port = number
            }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            guard let number = Int(host[host.index(after: colon)...]) else { throw RedisAddressError(text: text) }
            port = number
            host = host[..<colon]
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw RedisAddressError(text: text) }
        self.host = String(host)
        self.port = port
    }

    /// `host:port`, with brackets around IPv6 literals.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// An address or endpoint that cannot be used.
public struct RedisAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that could not be parsed.
    public var text: String
    /// What is wrong, when it is more than the shape of `host:port`.
    public var reason: String?

    /// Creates the error.
    public init(text: String, reason: String? = nil) {
        self.text = text
        self.reason = reason
    }

    public var description: String {
        "invalid Redis address '\(text)': "
            + (reason ?? "expected host:port (e.g. redis.example.com:6379 or [::1]:6379), port 1-65535")
    }
}
