public import Logging
public import RedisClient

/// The Redis master as the settings describe it: one endpoint (a managed primary endpoint, resolved again on
/// every reconnect), or sentinels that lead to it.
public struct RedisTarget: Sendable {
    /// Where commands go.
    public let executor: any RedisCommandExecutor
    /// The reconnecting client underneath (for the connected address).
    public let client: RedisClient
    /// Present with `redis.sentinel.masterName`.
    public let sentinel: RedisSentinelClient?
    /// The data nodes' connection settings (for subscribers and per-node checks).
    public let dataConfiguration: RedisConnectionConfiguration
    /// For the checks' own logs.
    let logger: Logger
    /// The single endpoint, without Sentinel.
    let endpoint: RedisAddress?

    /// Builds the clients (nothing is contacted yet). `reconnectTimeout` bounds how long one command retries
    /// transient connection failures before it fails (one-shot commands keep it short and retry themselves
    /// within their `--timeout`).
    ///
    /// - Throws: ``SettingsError`` for endpoint and TLS settings that cannot be used.
    public static func make(
        settings: CoordinatorSettings, logger: Logger, reconnectTimeout: Duration = .seconds(10)
    ) throws(SettingsError) -> RedisTarget {
        let redis = settings.redis
        var data = RedisConnectionConfiguration(
            username: redis.username, password: redis.password, database: redis.database,
            clientName: "traefik-coordinator", connectTimeout: redis.connectTimeout, commandTimeout: redis.commandTimeout)
        if let sentinel = redis.sentinel {
            let dataTLS = redis.tls ?? (redis.endpoints.contains { $0.scheme == .rediss } ? TLSConfiguration() : nil)
            data.transport = try transport([], tls: dataTLS, setting: "redis.tls")
            var connection = SentinelConfiguration.defaultConnection
            connection.username = sentinel.username
            connection.password = sentinel.password
            connection.transport = try transport(
                redis.endpoints, tls: sentinel.tls.resolve(dataNodes: dataTLS), setting: "redis.sentinel.tls")
            let configuration = SentinelConfiguration(
                masterName: sentinel.masterName, sentinels: redis.endpoints.map(\.address), connection: connection,
                addressMap: redis.addressMap)
            let client = RedisSentinelClient(sentinel: configuration, data: data, logger: logger, reconnectTimeout: reconnectTimeout)
            return RedisTarget(executor: client, client: client.client, sentinel: client, dataConfiguration: data, logger: logger, endpoint: nil)
        }
        guard redis.endpoints.count == 1 else {
            throw SettingsError(
                setting: "redis.endpoints",
                message: "\(redis.endpoints.count) endpoints without redis.sentinel.masterName: give the one primary endpoint, or set the master name to use them as sentinels")
        }
        data.transport = try transport(redis.endpoints, tls: redis.tls, setting: "redis.tls")
        let client = RedisClient(
            address: redis.endpoints[0].address, configuration: data, logger: logger, reconnectTimeout: reconnectTimeout)
        return RedisTarget(
            executor: client, client: client, sentinel: nil, dataConfiguration: data, logger: logger,
            endpoint: redis.endpoints[0].address)
    }

    private static func transport(
        _ endpoints: [RedisEndpoint], tls: TLSConfiguration?, setting: String
    ) throws(SettingsError) -> any RedisTransport {
        do {
            return try RedisEndpoint.transport(for: endpoints, tls: tls, setting: "redis.endpoints")
        } catch {
            if case .configuration(let failing, let reason) = error {
                throw SettingsError(setting: failing, message: reason)
            }
            throw SettingsError(setting: setting, message: error.description)
        }
    }

    /// A pub/sub connection to the master (it moves with the master under Sentinel).
    public func makeSubscriber(logger: Logger) -> RedisSubscriber {
        if let sentinel { return sentinel.makeSubscriber() }
        let address = endpoint!
        return RedisSubscriber(address: address, configuration: dataConfiguration, logger: logger)
    }

    /// Follows the master (Sentinel) until cancelled; for a single endpoint, just waits.
    public func follow() async {
        if let sentinel {
            await sentinel.run()
        } else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
    }

    /// The master's address while connected.
    public var masterAddress: RedisAddress? {
        get async { await client.connectedAddress }
    }

    /// Closes every connection.
    public func close() async {
        if let sentinel { await sentinel.close() } else { await client.close() }
    }
}
