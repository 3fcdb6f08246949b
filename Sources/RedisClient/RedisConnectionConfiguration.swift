public import RESP

/// How to open and use one connection: credentials, database, timeouts, protocol and transport.
///
/// Defaults: no credentials, database 0, client name `traefik-coordinator`, connect timeout 2 s, command
/// timeout 5 s, RESP3 preferred (with fallback to RESP2), default ``RESPLimits``, plain TCP.
public struct RedisConnectionConfiguration: Sendable {
    /// ACL user name; `nil` authenticates as the default user (password only).
    public var username: String?
    /// Password or AUTH token; `nil` skips authentication.
    public var password: RedisSecret?
    /// Database index selected after connecting (`SELECT`), when not 0.
    public var database: Int
    /// Name set with `HELLO ... SETNAME` / `CLIENT SETNAME`, shown by `CLIENT LIST`.
    public var clientName: String?
    /// Bound on establishing the TCP connection.
    public var connectTimeout: Duration
    /// Bound on each command's reply, unless a call passes its own.
    public var commandTimeout: Duration
    /// Ask for RESP3 with `HELLO 3`; RESP2 is used when the server refuses.
    public var preferRESP3: Bool
    /// Bounds on replies.
    public var limits: RESPLimits
    /// What sits under RESP (plain TCP, TLS).
    public var transport: any RedisTransport

    /// Creates a configuration.
    public init(
        username: String? = nil,
        password: RedisSecret? = nil,
        database: Int = 0,
        clientName: String? = "traefik-coordinator",
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5),
        preferRESP3: Bool = true,
        limits: RESPLimits = .default,
        transport: any RedisTransport = PlainTCPTransport()
    ) {
        self.username = username
        self.password = password
        self.database = database
        self.clientName = clientName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.preferRESP3 = preferRESP3
        self.limits = limits
        self.transport = transport
    }
}
