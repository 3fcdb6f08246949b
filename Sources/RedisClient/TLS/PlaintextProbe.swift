import NIOCore
import NIOPosix

/// Asks a port whose TLS handshake timed out whether it is a plaintext Redis: `PING` in plaintext, and the
/// first line of a RESP answer (`+PONG`, `-NOAUTH …`) if one comes within the timeout.
enum PlaintextProbe {
    /// The first line of the server's plaintext answer to `PING` (at most 80 characters), or nil when it gave
    /// none that looks like RESP.
    static func redisReply(from address: RedisAddress, group: any EventLoopGroup, timeout: Duration) async -> String? {
        let answer = group.any().makePromise(of: String?.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FirstLine(answer: answer)) }
            }
        guard let channel = try? await bootstrap.connect(host: address.host, port: address.port).get() else {
            answer.succeed(nil)
            return nil
        }
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { answer.succeed(nil) }
        channel.writeAndFlush(ByteBuffer(string: "PING\r\n"), promise: nil)
        let line = try? await answer.futureResult.get()
        timer.cancel()
        channel.close(promise: nil)
        guard let line, let first = line.first, "+-".contains(first) else { return nil }
        return String(line.prefix(80))
    }

    /// Completes `answer` with the first line received (or what arrived before the connection closed).
    private final class FirstLine: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private let answer: EventLoopPromise<String?>
        private var received = ""

        init(answer: EventLoopPromise<String?>) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readString(length: buffer.readableBytes) ?? ""
            if let end = received.firstIndex(where: \.isNewline) {  // "\r\n" is one Character
                answer.succeed(String(received[..<end]))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            answer.succeed(received.isEmpty ? nil : received)
        }
    }
}
