public import NIOCore

/// Fired inbound once the handshake has completed.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// e.g. `TLSv1.3`.
    public var protocolVersion: String
    /// e.g. `TLS_AES_256_GCM_SHA384`.
    public var cipher: String
}

/// A SwiftNIO handler that speaks TLS through the system OpenSSL, with memory BIOs.
///
/// - The handshake starts when the channel becomes active (or at once, when added to an active channel) and
///   is bounded by `handshakeTimeout`; the `handshakePromise` completes with its outcome.
/// - Application writes are buffered until flushed, and until the handshake has completed.
/// - Reads are decrypted in a loop; each chunk is passed on as a `ByteBuffer`.
/// - `close()` sends `close_notify` and waits up to `shutdownTimeout` for the peer's before closing TCP; a peer
///   `close_notify` is answered and the channel closed.
/// - A TCP close without `close_notify` is reported as ``TLSError/uncleanShutdown`` (possible truncation)
///   through `errorCaught`, before `channelInactive`. Every failure is a ``TLSError`` carrying OpenSSL's
///   reasons and the certificate verify result.
public final class TLSHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private let connection: TLSConnection
    private var stateMachine = TLSHandlerStateMachine()
    private let handshakeTimeout: Duration?
    private let shutdownTimeout: Duration
    private var handshakePromise: EventLoopPromise<Void>?
    private var closePromise: EventLoopPromise<Void>?
    private var timer: Scheduled<Void>?
    /// Plaintext waiting to be encrypted; the mark is the last flushed write.
    private var bufferedWrites = MarkedCircularBuffer<(ByteBuffer, EventLoopPromise<Void>?)>(initialCapacity: 8)

    init(connection: TLSConnection, handshakeTimeout: Duration?, shutdownTimeout: Duration, handshakePromise: EventLoopPromise<Void>?) {
        self.connection = connection
        self.handshakeTimeout = handshakeTimeout
        self.shutdownTimeout = shutdownTimeout
        self.handshakePromise = handshakePromise
    }

    /// A client handler: verifies the server's certificate for `serverName` (a host name, also sent as SNI, or
    /// an IP address), unless the context skips verification.
    public convenience init(
        clientContext: TLSContext, serverName: String?, handshakeTimeout: Duration? = .seconds(5),
        shutdownTimeout: Duration = .seconds(1), handshakePromise: EventLoopPromise<Void>? = nil,
        settingsPath: String = "redis.tls"
    ) throws(TLSError) {
        let connection = try TLSConnection(context: clientContext, role: .client, peerName: serverName, settingsPath: settingsPath)
        self.init(
            connection: connection, handshakeTimeout: handshakeTimeout, shutdownTimeout: shutdownTimeout,
            handshakePromise: handshakePromise)
    }

    /// A server handler (tests and tools use it as the other end of a client).
    public convenience init(
        serverContext: TLSContext, handshakeTimeout: Duration? = .seconds(5), shutdownTimeout: Duration = .seconds(1),
        handshakePromise: EventLoopPromise<Void>? = nil
    ) throws(TLSError) {
        let connection = try TLSConnection(context: serverContext, role: .server, peerName: nil)
        self.init(
            connection: connection, handshakeTimeout: handshakeTimeout, shutdownTimeout: shutdownTimeout,
            handshakePromise: handshakePromise)
    }

    // MARK: - Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        handshakePromise?.fail(ChannelError.ioOnClosedChannel)
        handshakePromise = nil
        failBufferedWrites(ChannelError.ioOnClosedChannel)
        closePromise?.succeed(())
        closePromise = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        switch stateMachine.channelInactive() {
        case .failHandshake:
            let error = connection.plaintextAnswer.map { TLSError.notTLS(serverSaid: $0) } ?? .closedDuringHandshake
            handshakePromise?.fail(error)
            handshakePromise = nil
            context.fireErrorCaught(error)
        case .reportTruncation:
            context.fireErrorCaught(TLSError.uncleanShutdown)
        case .completeClose:
            closePromise?.succeed(())
            closePromise = nil
        case .none:
            break
        }
        handshakePromise?.fail(ChannelError.ioOnClosedChannel)
        handshakePromise = nil
        failBufferedWrites(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    // MARK: - Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        guard stateMachine.channelActive() == .startHandshake else { return }
        if let handshakeTimeout {
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(handshakeTimeout)) {
                guard self.stateMachine.handshakeTimedOut() else { return }
                self.fail(context: context, error: .handshakeTimeout(handshakeTimeout), stateUpdated: true)
            }
        }
        advanceHandshake(context: context)
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .needsMoreData:
            sendCiphertext(context: context)
        case .completed:
            sendCiphertext(context: context)
            cancelTimer()
            stateMachine.handshakeCompleted()
            handshakePromise?.succeed(())
            handshakePromise = nil
            context.fireUserInboundEventTriggered(
                TLSHandshakeCompleted(protocolVersion: connection.protocolVersion, cipher: connection.cipher))
            sendFlushedWrites(context: context)
            readApplicationData(context: context)
        case .failed(let error):
            sendCiphertext(context: context)  // the alert, so the server's log says why
            fail(context: context, error: error)
        }
    }

    // MARK: - Reading

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch stateMachine.state {
        case .handshaking:
            connection.receive(buffer)
            advanceHandshake(context: context)
        case .active, .closing:
            connection.receive(buffer)
            readApplicationData(context: context)
        case .idle, .closed:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        sendCiphertext(context: context)
        context.fireChannelReadComplete()
    }

    private func readApplicationData(context: ChannelHandlerContext) {
        readLoop: while stateMachine.state == .active || stateMachine.state == .closing {
            switch connection.read(allocator: context.channel.allocator) {
            case .data(let plaintext):
                context.fireChannelRead(wrapInboundOut(plaintext))
            case .needsMoreData:
                break readLoop
            case .closeNotify:
                peerSentCloseNotify(context: context)
                break readLoop
            case .failed(let error):
                sendCiphertext(context: context)
                fail(context: context, error: error)
                break readLoop
            }
        }
        sendCiphertext(context: context)
    }

    private func peerSentCloseNotify(context: ChannelHandlerContext) {
        switch stateMachine.closeNotifyReceived() {
        case .replyAndClose:
            connection.shutdown()
            sendCiphertext(context: context)
            failBufferedWrites(ChannelError.outputClosed)
            context.close(promise: nil)
        case .finishClose:
            cancelTimer()
            let promise = closePromise
            closePromise = nil
            context.close(promise: promise)
        case .ignore:
            break
        }
    }

    // MARK: - Writing

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard stateMachine.acceptsWrites else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        bufferedWrites.append((unwrapOutboundIn(data), promise))
    }

    public func flush(context: ChannelHandlerContext) {
        bufferedWrites.mark()
        if stateMachine.canSendApplicationData { sendFlushedWrites(context: context) }
    }

    private func sendFlushedWrites(context: ChannelHandlerContext) {
        guard bufferedWrites.hasMark else { return }
        var promises: [EventLoopPromise<Void>] = []
        while bufferedWrites.hasMark {
            let (plaintext, promise) = bufferedWrites.removeFirst()
            if let promise { promises.append(promise) }
            if let error = connection.write(plaintext) {
                promises.forEach { $0.fail(error) }
                fail(context: context, error: error)
                return
            }
        }
        var written: EventLoopPromise<Void>?
        if !promises.isEmpty {
            let all = context.eventLoop.makePromise(of: Void.self)
            for promise in promises { all.futureResult.cascade(to: promise) }
            written = all
        }
        sendCiphertext(context: context, promise: written)
    }

    /// Writes and flushes whatever ciphertext OpenSSL produced.
    private func sendCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        guard let ciphertext = connection.drainCiphertext(allocator: context.channel.allocator) else {
            promise?.succeed(())
            return
        }
        context.writeAndFlush(wrapOutboundOut(ciphertext), promise: promise)
    }

    // MARK: - Closing

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        switch stateMachine.closeRequested() {
        case .closeNow:
            cancelTimer()
            handshakePromise?.fail(ChannelError.ioOnClosedChannel)
            handshakePromise = nil
            failBufferedWrites(ChannelError.ioOnClosedChannel)
            context.close(promise: promise)
        case .sendCloseNotify:
            failBufferedWrites(ChannelError.ioOnClosedChannel)  // never flushed: NIO drops those on close
            closePromise = promise
            connection.shutdown()
            sendCiphertext(context: context)
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(shutdownTimeout)) {
                guard self.stateMachine.shutdownTimedOut() else { return }
                let promise = self.closePromise
                self.closePromise = nil
                context.close(promise: promise)
            }
        case .joinPendingClose:
            guard let promise else { return }
            if let closePromise {
                closePromise.futureResult.cascade(to: promise)
            } else {
                closePromise = promise
            }
        case .alreadyClosed:
            context.close(promise: promise)
        }
    }

    // MARK: - Failure

    /// Fails the handshake and pending writes with `error`, passes it on, and closes the TCP connection.
    private func fail(context: ChannelHandlerContext, error: TLSError, stateUpdated: Bool = false) {
        if !stateUpdated { stateMachine.failed() }
        cancelTimer()
        handshakePromise?.fail(error)
        handshakePromise = nil
        failBufferedWrites(error)
        context.fireErrorCaught(error)
        let promise = closePromise
        closePromise = nil
        context.close(promise: promise)
    }

    private func failBufferedWrites(_ error: any Error) {
        while let (_, promise) = bufferedWrites.popFirst() {
            promise?.fail(error)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
