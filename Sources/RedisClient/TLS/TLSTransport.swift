public import Logging
public import NIOCore
import NIOPosix

/// TLS through the system OpenSSL under RESP, for Redis and Sentinel connections.
///
/// Each connection verifies the server for ``TLSConfiguration/serverName`` or, when unset, the host it
/// connects to (a host name or an IP address). Certificate files changed on disk are picked up by the next
/// connection (``TLSContextCache``). With `insecureSkipVerify`, every connection logs a warning.
public struct TLSTransport: RedisTransport {
    /// The contexts, reloaded when the files change.
    public let contexts: TLSContextCache

    /// The settings in use.
    public var configuration: TLSConfiguration { contexts.configuration }

    /// Loads the configuration's files.
    ///
    /// - Throws: ``TLSError/configuration(setting:reason:)`` naming the setting and file that cannot be used.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        contexts = try TLSContextCache(configuration: configuration)
    }

    public var name: String { "tls" }

    public var firstCommandRejectedHint: String {
        let path = configuration.settingsPath
        if configuration.certificateFile == nil {
            return "if it requires client certificates (tls-auth-clients yes), set \(path).cert and \(path).key"
        }
        return "it may have refused our client certificate (\(path).cert): check that its tls-ca-cert-file trusts the CA that signed it"
    }

    public func prepare(for address: RedisAddress, logger: Logger) async throws(RedisError) {
        if configuration.insecureSkipVerify {
            logger.warning(
                "TLS certificate verification is OFF for this connection: anyone on the network path can impersonate the server; set \(configuration.settingsPath).ca instead of \(configuration.settingsPath).insecureSkipVerify",
                metadata: ["redis.address": "\(address)"])
        }
        let contexts = self.contexts
        do {
            _ = try await NIOThreadPool.singleton.runIfActive { contexts.refresh(logger: logger) }
        } catch {
            throw .clientClosed  // the thread pool is shutting down: so is the process
        }
    }

    public func configure(_ channel: any Channel, address: RedisAddress) throws -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        do {
            let handler = try TLSHandler(
                clientContext: contexts.current, serverName: configuration.serverName ?? address.host,
                handshakeTimeout: configuration.handshakeTimeout, shutdownTimeout: configuration.shutdownTimeout,
                handshakePromise: promise, settingsPath: configuration.settingsPath)
            try channel.pipeline.syncOperations.addHandler(handler)
        } catch {
            promise.fail(error)
            throw error
        }
        return promise.futureResult
    }
}
