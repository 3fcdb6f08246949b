import NIOCore
import NIOEmbedded
import RESP
import Synchronization
import Testing

@testable import RedisClient

/// The reply-matching handler, driven in memory: no sockets, no server.
@Suite("Redis channel handler")
struct RedisChannelHandlerTests {
    let address = RedisAddress(host: "127.0.0.1", port: 6379)

    func makeChannel(pushes: PushRecorder? = nil) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        var sink: (@Sendable (RESPToken) -> Void)? = nil
        if let pushes { sink = { token in pushes.record(token) } }
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPTokenDecoder()))
        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(address: address, onPubSubMessage: sink))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        #expect(channel.isActive)
        return channel
    }

    func request(_ channel: EmbeddedChannel, _ commands: [RESPCommand], acks: Int? = nil) throws -> EventLoopFuture<[RESPToken]> {
        var bytes = ByteBuffer()
        for command in commands { command.encode(into: &bytes) }
        let promise = channel.eventLoop.makePromise(of: [RESPToken].self)
        try channel.writeOutbound(
            RedisRequest(bytes: bytes, replyCount: acks ?? commands.count, expectsSubscriptionAcks: acks != nil, promise: promise))
        return promise.futureResult
    }

    @Test("replies split across reads reach their requests in order; the bytes written are the commands")
    func ordering() throws {
        let channel = try makeChannel()
        let first = try request(channel, [RESPCommand("SET", "a", "1"), RESPCommand("GET", "a")])
        let second = try request(channel, [RESPCommand("INCR", "n")])
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: written) == "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n")
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n$1\r"))
        try channel.writeInbound(ByteBuffer(string: "\n1\r\n:4"))
        #expect(try first.wait().map(\.description) == ["OK", "\"1\""])
        try channel.writeInbound(ByteBuffer(string: "2\r\n"))
        #expect(try second.wait().map(\.description) == ["(integer) 42"])
    }

    @Test("a request the caller gave up on keeps its slot: its late reply is dropped, the next request gets its own")
    func abandonedRequest() throws {
        let channel = try makeChannel()
        var bytes = ByteBuffer()
        RESPCommand("GET", "slow").encode(into: &bytes)
        let abandoned = channel.eventLoop.makePromise(of: [RESPToken].self)
        try channel.writeOutbound(RedisRequest(bytes: bytes, replyCount: 1, expectsSubscriptionAcks: false, promise: abandoned))
        let next = try request(channel, [RESPCommand("GET", "fast")])
        // What the timeout and cancellation paths do: fail the caller's promise directly, leaving the slot.
        abandoned.fail(RedisError.cancelled(command: "GET"))
        try channel.writeInbound(ByteBuffer(string: "$4\r\nlate\r\n$5\r\nmine!\r\n"))
        #expect(throws: (any Error).self) { try abandoned.futureResult.wait() }
        #expect(try next.wait().first?.string == "mine!")
        #expect(channel.isActive)
    }

    @Test("pub/sub messages are routed to the callback while requests wait, and acks complete subscriptions")
    func pubSubRouting() throws {
        let pushes = PushRecorder()
        let channel = try makeChannel(pushes: pushes)
        let subscription = try request(channel, [RESPCommand("SUBSCRIBE", "a", "b")], acks: 2)
        try channel.writeInbound(ByteBuffer(string: ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"))
        try channel.writeInbound(ByteBuffer(string: ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nearly\r\n"))
        try channel.writeInbound(ByteBuffer(string: ">3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"))
        #expect(try subscription.wait().count == 2)
        let ping = try request(channel, [RESPCommand("PING")])
        try channel.writeInbound(ByteBuffer(string: ">4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\nb\r\n$1\r\nx\r\n+PONG\r\n"))
        #expect(try ping.wait().first?.string == "PONG")
        #expect(pushes.recorded == ["push[\"message\", \"a\", \"early\"]", "push[\"pmessage\", \"*\", \"b\", \"x\"]"])
    }

    @Test("garbage from the server fails every pending request with a protocol violation and closes the channel")
    func protocolViolation() throws {
        let channel = try makeChannel()
        let first = try request(channel, [RESPCommand("GET", "a")])
        let second = try request(channel, [RESPCommand("GET", "b")])
        _ = try? channel.writeInbound(ByteBuffer(string: "$1\r\nx\r\n%%%garbage\r\n"))
        #expect(try first.wait().first?.string == "x")
        #expect(throws: (any Error).self) { try second.wait() }
        do {
            _ = try second.wait()
        } catch {
            guard case .protocolViolation(let failed, let protocolError)? = error as? RedisError else {
                Issue.record("expected protocolViolation, got \(error)")
                return
            }
            #expect(failed == address)
            #expect(protocolError.kind == .invalidTypeIdentifier(UInt8(ascii: "%")) || protocolError.kind == .invalidInteger)
        }
        #expect(!channel.isActive)
        // Writes after the failure fail at once instead of waiting for a reply that cannot come.
        let late = try? request(channel, [RESPCommand("GET", "c")])
        if let late { #expect(throws: (any Error).self) { try late.wait() } }
    }

    @Test("a reply nobody asked for is a protocol error, not a crash")
    func unsolicitedReply() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "+SURPRISE\r\n"))
        #expect(!channel.isActive)
    }
}

/// Collects the pub/sub pushes the handler hands over, as text.
final class PushRecorder: Sendable {
    private let pushes = Mutex<[String]>([])
    func record(_ token: RESPToken) { pushes.withLock { $0.append(token.description) } }
    var recorded: [String] { pushes.withLock { $0 } }
}
