public import Logging
public import NIOCore

/// What sits between TCP and RESP on a connection: nothing for plain TCP, a TLS handler for TLS.
///
/// For every new connection, ``prepare(for:logger:)`` runs first (off the event loop: it may read files),
/// then ``configure(_:address:)`` runs on the channel's event loop while the channel is set up, before the
/// RESP handlers are added, so whatever it adds sees raw bytes.
public protocol RedisTransport: Sendable {
    /// A short name for logs and errors: `tcp`, `tls`.
    var name: String { get }

    /// What to check when a server drops the connection at our first command (a TLS port refusing plaintext,
    /// a server refusing our client certificate).
    var firstCommandRejectedHint: String { get }

    /// Work before connecting (reload changed certificate files, warn about insecure settings).
    func prepare(for address: RedisAddress, logger: Logger) async throws(RedisError)

    /// Adds the transport's handlers to a new channel's pipeline.
    ///
    /// - Returns: a future that succeeds when the transport is ready for RESP (the TLS handshake finished).
    func configure(_ channel: any Channel, address: RedisAddress) throws -> EventLoopFuture<Void>
}

/// Plain TCP: adds nothing.
public struct PlainTCPTransport: RedisTransport {
    /// Creates the plain transport.
    public init() {}
    public var name: String { "tcp" }
    public var firstCommandRejectedHint: String {
        "if it expects TLS, configure redis.tls or use a rediss:// endpoint"
    }
    public func prepare(for address: RedisAddress, logger: Logger) async throws(RedisError) {}
    public func configure(_ channel: any Channel, address: RedisAddress) throws -> EventLoopFuture<Void> {
        channel.eventLoop.makeSucceededVoidFuture()
    }
}
