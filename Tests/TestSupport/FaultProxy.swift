import Foundation
import NIOCore
import NIOPosix
public import RedisClient
import Synchronization

/// A TCP proxy on loopback that the chaos suite puts between a coordinator and one Redis node (the Sentinel
/// address map sends the coordinator here), with faults that can be switched at any moment:
///
/// - ``Fault/latency(_:)``: every chunk is delivered that much later, in order, both ways.
/// - ``Fault/hold``: nothing is delivered; what arrives is kept and delivered, in order, when the fault is
///   lifted, as TCP retransmission would after a partition heals. Connections stay open.
/// - ``Fault/reset``: every open connection is reset (RST), and new ones are reset as soon as they are accepted.
public final class FaultProxy: Sendable {
    public enum Fault: Sendable, Equatable, CustomStringConvertible {
        case none
        case latency(Duration)
        case hold
        case reset

        public var description: String {
            switch self {
            case .none: return "none"
            case .latency(let delay): return "latency \(delay)"
            case .hold: return "hold"
            case .reset: return "reset"
            }
        }
    }

    /// Where the proxy listens.
    public let address: RedisAddress
    /// Where it forwards to.
    public let target: RedisAddress

    private struct State {
        var fault: Fault = .none
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Data that arrived during ``Fault/hold``, with the channel it is for, in arrival order.
        var held: [(destination: any Channel, data: ByteBuffer)] = []
        /// When the last chunk for each channel is due: later chunks are never due earlier, whatever the fault
        /// became meanwhile (TCP does not reorder; a lifted latency must not either).
        var lastDeadline: [ObjectIdentifier: NIODeadline] = [:]
    }

    private let state = Mutex(State())
    private let server: Mutex<(any Channel)?> = Mutex(nil)

    private init(address: RedisAddress, target: RedisAddress) {
        self.address = address
        self.target = target
    }

    /// Starts a proxy to `target` on a free loopback port.
    public static func start(to target: RedisAddress) async throws -> FaultProxy {
        var lastError: (any Error)?
        for _ in 0..<3 {  // a port may be taken between choosing it and binding it
            let port = FreePort.next()
            let proxy = FaultProxy(address: RedisAddress(host: "127.0.0.1", port: port), target: target)
            let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { front in
                    front.eventLoop.makeCompletedFuture { proxy.accepted(front) }
                }
            do {
                let channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
                proxy.server.withLock { $0 = channel }
                return proxy
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// The fault now in force.
    public var fault: Fault { state.withLock { $0.fault } }

    /// Switches the fault. Lifting ``Fault/hold`` delivers what was held, in order, before anything newer.
    public func set(_ fault: Fault) {
        let (toReset, toDrain) = state.withLock { state -> ([any Channel], [any Channel]) in
            state.fault = fault
            let destinations = fault == .hold ? [] : state.held.map(\.destination)
            return (fault == .reset ? Array(state.channels.values) : [], destinations)
        }
        for channel in toReset { Self.reset(channel) }
        var seen: Set<ObjectIdentifier> = []
        for destination in toDrain where seen.insert(ObjectIdentifier(destination)).inserted {
            destination.eventLoop.execute { self.drain(destination) }
        }
    }

    /// On `destination`'s event loop: writes what is held for it, oldest first.
    private func drain(_ destination: any Channel) {
        let id = ObjectIdentifier(destination)
        let data = state.withLock { state -> [ByteBuffer] in
            let mine = state.held.filter { ObjectIdentifier($0.destination) == id }.map(\.data)
            state.held.removeAll { ObjectIdentifier($0.destination) == id }
            return mine
        }
        for chunk in data { deliver(chunk, to: destination, after: .zero) }
    }

    /// Writes `data` to `destination` after `delay`, and never before what was sent to it earlier: every write
    /// is a task scheduled on the channel's loop at a deadline later than the previous one's.
    private func deliver(_ data: ByteBuffer, to destination: any Channel, after delay: Duration) {
        let id = ObjectIdentifier(destination)
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        let deadline = state.withLock { state -> NIODeadline in
            var deadline = NIODeadline.now() + .nanoseconds(nanoseconds)
            if let last = state.lastDeadline[id], last >= deadline { deadline = last + .nanoseconds(1) }
            state.lastDeadline[id] = deadline
            return deadline
        }
        destination.eventLoop.scheduleTask(deadline: deadline) { destination.writeAndFlush(data, promise: nil) }
    }

    /// Closes the listener and every connection.
    public func stop() async {
        let channel = server.withLock { $0 }
        try? await channel?.close()
        let open = state.withLock { Array($0.channels.values) }
        for channel in open { channel.close(promise: nil) }
    }

    // MARK: - Relaying

    /// On the front channel's event loop: refuse under ``Fault/reset``, else dial the target from the same loop.
    private func accepted(_ front: any Channel) {
        if fault == .reset {
            Self.reset(front)
            return
        }
        track(front)
        let relay = Relay(proxy: self)
        try? front.pipeline.syncOperations.addHandler(relay)
        let relayFront = NIOLoopBound(relay, eventLoop: front.eventLoop)
        ClientBootstrap(group: front.eventLoop)
            .connectTimeout(.seconds(2))
            .channelInitializer { back in
                back.eventLoop.makeCompletedFuture {
                    let relayBack = Relay(proxy: self)
                    relayBack.peer = front
                    try back.pipeline.syncOperations.addHandler(relayBack)
                }
            }
            .connect(host: target.host, port: target.port)
            .whenComplete { result in
                switch result {
                case .success(let back):
                    self.track(back)
                    relayFront.value.connected(to: back)
                case .failure:
                    Self.reset(front)
                }
            }
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock { $0.channels[id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                state.channels.removeValue(forKey: id)
                state.lastDeadline.removeValue(forKey: id)
            }
        }
    }

    /// Forwards `data` to `destination` under the current fault, in order.
    fileprivate func forward(_ data: ByteBuffer, to destination: any Channel) {
        let id = ObjectIdentifier(destination)
        let fault: Fault = state.withLock { state in
            // Held, or behind held data that is still to be drained (which runs on this loop, later): keep order.
            if state.fault == .hold || state.held.contains(where: { ObjectIdentifier($0.destination) == id }) {
                state.held.append((destination, data))
                return .hold
            }
            return state.fault
        }
        switch fault {
        case .none:
            deliver(data, to: destination, after: .zero)
        case .latency(let delay):
            deliver(data, to: destination, after: delay)
        case .hold:
            return
        case .reset:
            Self.reset(destination)
        }
    }

    /// Closes `channel` with an RST (SO_LINGER 0) instead of a FIN.
    private static func reset(_ channel: any Channel) {
        guard let socket = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// One direction of a proxied connection: what its channel reads goes to `peer` (the other channel); when
/// either side closes, so does the other. Used only on the connection's event loop (both channels of a
/// connection share one).
private final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let proxy: FaultProxy
    /// The other side (nil on the client's side until the target answered the connect).
    var peer: (any Channel)?
    /// What the client sent before the target was connected.
    private var pending: [ByteBuffer] = []

    init(proxy: FaultProxy) {
        self.proxy = proxy
    }

    /// The target is connected: forward what arrived meanwhile.
    func connected(to peer: any Channel) {
        self.peer = peer
        for data in pending { proxy.forward(data, to: peer) }
        pending = []
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer else {
            pending.append(unwrapInboundIn(data))
            return
        }
        proxy.forward(unwrapInboundIn(data), to: peer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
