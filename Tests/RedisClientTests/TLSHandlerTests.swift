import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@testable import RedisClient

/// Our client TLS handler against an OpenSSL server handler, in memory: two embedded channels whose
/// ciphertext the test carries across by hand. Certificates are made by the `openssl` command line tool.
@Suite("TLS handler in memory", .enabled(if: ExternalTool.shouldRun("openssl")))
struct TLSHandlerTests {
    /// Two channels joined by the test: whatever one writes, ``interact()`` delivers to the other.
    final class Pair {
        let client: EmbeddedChannel
        let server: EmbeddedChannel
        let clientHandshake: EventLoopFuture<Void>
        let serverHandshake: EventLoopFuture<Void>

        init(clientContext: TLSContext, serverContext: TLSContext, serverName: String = "localhost") throws {
            client = EmbeddedChannel()
            server = EmbeddedChannel(loop: client.embeddedEventLoop)
            let clientPromise = client.eventLoop.makePromise(of: Void.self)
            let serverPromise = server.eventLoop.makePromise(of: Void.self)
            clientHandshake = clientPromise.futureResult
            serverHandshake = serverPromise.futureResult
            try client.pipeline.syncOperations.addHandler(
                TLSHandler(clientContext: clientContext, serverName: serverName, handshakePromise: clientPromise))
            try server.pipeline.syncOperations.addHandler(
                TLSHandler(serverContext: serverContext, handshakePromise: serverPromise))
            try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6380)).wait()
            try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6380)).wait()
        }

        /// Carries ciphertext both ways until neither side has anything more to say.
        func interact() throws {
            var moved = true
            while moved {
                moved = false
                while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                    if server.isActive { try server.writeInbound(bytes) }
                    moved = true
                }
                while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                    if client.isActive { try client.writeInbound(bytes) }
                    moved = true
                }
            }
        }

        /// Every plaintext byte that reached the end of `channel`'s pipeline.
        func received(on channel: EmbeddedChannel) throws -> [UInt8] {
            var bytes: [UInt8] = []
            while let buffer = try channel.readInbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
            return bytes
        }
    }

    /// Records the handshake event a TLS handler fires.
    final class HandshakeEventRecorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var events: [TLSHandshakeCompleted] = []
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? TLSHandshakeCompleted { events.append(event) }
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Bytes that differ with their offset (so a lost, repeated or reordered record shows), from a random start.
    static func randomBytes(_ count: Int) -> [UInt8] {
        let seed = Int.random(in: 0..<256)
        return (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ ($0 >> 8) ^ seed) }
    }

    @Test("handshake completes on both sides with TLS 1.2 or newer, and each side reports it")
    func handshake() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(clientContext: fixtures.clientContext(), serverContext: fixtures.serverContext())
        let recorder = HandshakeEventRecorder()
        try pair.client.pipeline.syncOperations.addHandler(recorder)
        #expect(recorder.events.isEmpty, "nothing has crossed yet")
        try pair.interact()
        try pair.clientHandshake.wait()
        try pair.serverHandshake.wait()
        #expect(pair.client.isActive && pair.server.isActive)
        #expect(recorder.events.map(\.protocolVersion) == ["TLSv1.3"])
        #expect(recorder.events.first?.cipher.hasPrefix("TLS_") == true)
    }

    @Test("1 MiB each way arrives intact, written before and after the handshake")
    func largeWrites() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(clientContext: fixtures.clientContext(), serverContext: fixtures.serverContext())
        let upstream = Self.randomBytes(1 << 20)
        let downstream = Self.randomBytes(1 << 20)
        // Written during the handshake: buffered, sent once it completes.
        let clientWrite = pair.client.writeAndFlush(ByteBuffer(bytes: upstream))
        try pair.interact()
        try pair.clientHandshake.wait()
        let serverWrite = pair.server.writeAndFlush(ByteBuffer(bytes: downstream))
        try pair.interact()
        try clientWrite.wait()
        try serverWrite.wait()
        #expect(try pair.received(on: pair.server) == upstream)
        #expect(try pair.received(on: pair.client) == downstream)
    }

    @Test("writes wait for flush")
    func writesWaitForFlush() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(clientContext: fixtures.clientContext(), serverContext: fixtures.serverContext())
        try pair.interact()
        try pair.clientHandshake.wait()
        pair.client.write(ByteBuffer(string: "PING\r\n"), promise: nil)
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)
        pair.client.flush()
        try pair.interact()
        #expect(try pair.received(on: pair.server) == Array("PING\r\n".utf8))
    }

    @Test("client close: close_notify goes out, the server answers with its own, both close without error")
    func clientCloseNotify() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(clientContext: fixtures.clientContext(), serverContext: fixtures.serverContext())
        try pair.interact()
        let closed = pair.client.close()
        #expect(pair.client.isActive, "the client waits for the server's close_notify")
        try pair.interact()
        try closed.wait()
        #expect(!pair.client.isActive && !pair.server.isActive)
        try pair.client.throwIfErrorCaught()
        try pair.server.throwIfErrorCaught()
    }

    @Test("server close: the client answers close_notify, closes, and reports no truncation")
    func serverCloseNotify() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(clientContext: fixtures.clientContext(), serverContext: fixtures.serverContext())
        try pair.interact()
        pair.server.writeAndFlush(ByteBuffer(string: "+last words\r\n"), promise: nil)
        let closed = pair.server.close()
        try pair.interact()
        try closed.wait()
        #expect(try pair.received(on: pair.client) == Array("+last words\r\n".utf8))
        #expect(!pair.client.isActive && !pair.server.isActive)
        try pair.client.throwIfErrorCaught()
    }

    @Test("close without an answer: TCP closes after the shutdown timeout")
    func closeTimeout() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(clientContext: fixtures.clientContext(), serverContext: fixtures.serverContext())
        try pair.interact()
        let closed = pair.client.close()
        pair.client.embeddedEventLoop.advanceTime(by: .milliseconds(900))
        #expect(pair.client.isActive)
        pair.client.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        try closed.wait()
        #expect(!pair.client.isActive)
    }

    @Test("truncated stream: TCP drops mid-record without close_notify; the data so far arrives, then uncleanShutdown")
    func truncation() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(clientContext: fixtures.clientContext(), serverContext: fixtures.serverContext())
        try pair.interact()
        let payload = Self.randomBytes(100_000)
        pair.server.writeAndFlush(ByteBuffer(bytes: payload), promise: nil)
        var ciphertext = ByteBuffer()
        while var bytes = try pair.server.readOutbound(as: ByteBuffer.self) { ciphertext.writeBuffer(&bytes) }
        try pair.client.writeInbound(ciphertext.readSlice(length: ciphertext.readableBytes / 2)!)
        pair.client.pipeline.fireChannelInactive()
        let received = try pair.received(on: pair.client)
        #expect(!received.isEmpty && received.count < payload.count)
        #expect(received == Array(payload.prefix(received.count)))
        #expect(throws: TLSError.uncleanShutdown) { try pair.client.throwIfErrorCaught() }
    }

    @Test("a server that never answers fails the handshake at its timeout")
    func handshakeTimeout() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let channel = EmbeddedChannel()
        let promise = channel.eventLoop.makePromise(of: Void.self)
        try channel.pipeline.syncOperations.addHandler(
            TLSHandler(
                clientContext: fixtures.clientContext(), serverName: "localhost", handshakeTimeout: .seconds(2),
                handshakePromise: promise))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6380)).wait()
        #expect(try channel.readOutbound(as: ByteBuffer.self) != nil, "the ClientHello goes out on activation")
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(throws: TLSError.handshakeTimeout(.seconds(2))) { try promise.futureResult.wait() }
        #expect(!channel.isActive)
    }

    @Test("a server certificate from another CA fails the handshake with the verify result and the name checked")
    func wrongCA() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let pair = try Pair(
            clientContext: fixtures.clientContext(ca: fixtures.otherCA.certificate), serverContext: fixtures.serverContext())
        try? pair.interact()
        let error = try #require(throws: TLSError.self) { try pair.clientHandshake.wait() }
        guard case .handshakeFailed(_, let verifyResult?, "localhost", _) = error else {
            Issue.record("expected a verification failure, got \(error)")
            return
        }
        #expect(verifyResult.contains("local issuer"))
        #expect(error.description.contains("not signed by a CA in redis.tls.ca"))
    }

    @Test("a plaintext answer to the ClientHello is recognised as a port without TLS")
    func plaintextAnswer() throws {
        let fixtures = try TLSTestFixtures.shared.get()
        let channel = EmbeddedChannel()
        let promise = channel.eventLoop.makePromise(of: Void.self)
        try channel.pipeline.syncOperations.addHandler(
            TLSHandler(clientContext: fixtures.clientContext(), serverName: "localhost", handshakePromise: promise))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        _ = try? channel.writeInbound(ByteBuffer(string: "-ERR unknown command '\u{16}\u{03}\u{01}'\r\n"))
        let error = try #require(throws: TLSError.self) { try promise.futureResult.wait() }
        guard case .notTLS(let said) = error else {
            Issue.record("expected notTLS, got \(error)")
            return
        }
        #expect(said.hasPrefix("-ERR unknown command"))
    }
}

/// The TLS state machine's decisions, without OpenSSL.
@Suite("TLS handler state machine")
struct TLSHandlerStateMachineTests {
    @Test("TCP closing while data flows is truncation; while we wait for close_notify it is a completed close")
    func inactive() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.channelActive() == .none)
        machine.handshakeCompleted()
        #expect(machine.canSendApplicationData)
        var closing = machine
        #expect(machine.channelInactive() == .reportTruncation)
        #expect(closing.closeRequested() == .sendCloseNotify)
        #expect(closing.closeRequested() == .joinPendingClose)
        #expect(!closing.acceptsWrites)
        #expect(closing.channelInactive() == .completeClose)
        #expect(closing.closeRequested() == .alreadyClosed)
    }

    @Test("close_notify: answered when the peer starts, finishing when we started; timeouts only in their state")
    func closeNotify() {
        var peerCloses = TLSHandlerStateMachine()
        _ = peerCloses.channelActive()
        peerCloses.handshakeCompleted()
        let handshakeTimeoutAfterHandshake = peerCloses.handshakeTimedOut()
        #expect(!handshakeTimeoutAfterHandshake)
        var weClose = peerCloses
        #expect(peerCloses.closeNotifyReceived() == .replyAndClose)
        #expect(peerCloses.channelInactive() == .none)
        #expect(weClose.closeRequested() == .sendCloseNotify)
        var timedOut = weClose
        #expect(weClose.closeNotifyReceived() == .finishClose)
        let first = timedOut.shutdownTimedOut()
        let second = timedOut.shutdownTimedOut()
        #expect(first && !second)
    }

    @Test("closing before or during the handshake closes at once; TCP loss mid-handshake fails it")
    func early() {
        var idle = TLSHandlerStateMachine()
        #expect(idle.closeRequested() == .closeNow)
        var handshaking = TLSHandlerStateMachine()
        _ = handshaking.channelActive()
        var lost = handshaking
        let timedOut = handshaking.handshakeTimedOut()
        #expect(timedOut)
        #expect(lost.channelInactive() == .failHandshake)
    }
}
