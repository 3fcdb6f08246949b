public import NIOCore

/// What sits between TCP and RESP on a connection: nothing for plain TCP, a TLS handler for TLS.
///
/// ``configure(_:address:)`` runs on the channel's event loop while the channel is being set up, before the
/// RESP handlers are added, so whatever it adds sees raw bytes. Handshakes (TLS) are expected to start when
/// the channel becomes active and to buffer writes until they finish.
public protocol RedisTransport: Sendable {
    /// Adds the transport's handlers to a new channel's pipeline.
    func configure(_ pipeline: ChannelPipeline.SynchronousOperations, address: RedisAddress) throws
}

/// Plain TCP: adds nothing.
public struct PlainTCPTransport: RedisTransport {
    /// Creates the plain transport.
    public init() {}
    public func configure(_ pipeline: ChannelPipeline.SynchronousOperations, address: RedisAddress) throws {}
}
