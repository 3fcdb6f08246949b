import NIOCore
import RESP
import Synchronization

/// Why a connection closed, kept beyond the channel's pipeline (which is torn down on close), so a command
/// written after the close fails with the real reason (a TLS alert, a protocol violation) at once.
final class RedisCloseReason: Sendable {
    private let error = Mutex<RedisError?>(nil)

    /// Records the first reason; later ones are consequences.
    func record(_ reason: RedisError) {
        error.withLock { if $0 == nil { $0 = reason } }
    }

    /// The recorded reason, or a generic one naming `address`.
    func error(for address: RedisAddress) -> RedisError {
        error.withLock { $0 } ?? .connectionClosed(address, reason: "the connection was already closed")
    }
}

/// A batch of commands written in one flush, answered by `replyCount` replies in order.
struct RedisRequest: Sendable {
    var bytes: ByteBuffer
    var replyCount: Int
    /// Replies are `subscribe`/`psubscribe`/... confirmations, which RESP3 delivers as push messages.
    var expectsSubscriptionAcks: Bool
    var promise: EventLoopPromise<[RESPToken]>
}

/// Matches replies to requests in order, and hands pub/sub messages to a callback.
///
/// Runs on the channel's event loop only. A request whose caller gave up (timeout, cancellation) keeps its
/// slot: its promise was already failed by the caller, so its replies are read and dropped, which keeps every
/// later reply matched to the right request.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPToken
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var replyCount: Int
        var expectsSubscriptionAcks: Bool
        var promise: EventLoopPromise<[RESPToken]>
    }

    private let address: RedisAddress
    private let closeReason: RedisCloseReason
    private let onPubSubMessage: (@Sendable (RESPToken) -> Void)?
    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    /// Replies collected so far for the request at the head of `pending`. Kept outside the queue: mutating an
    /// array inside a `CircularBuffer` element copies it on every append.
    private var headReplies: [RESPToken] = []
    /// Set after a SUBSCRIBE on RESP2, where messages arrive as plain arrays.
    private var inSubscribedMode = false
    private var closedError: RedisError?

    init(address: RedisAddress, closeReason: RedisCloseReason = RedisCloseReason(), onPubSubMessage: (@Sendable (RESPToken) -> Void)?) {
        self.address = address
        self.closeReason = closeReason
        self.onPubSubMessage = onPubSubMessage
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.promise.fail(closedError)
            promise?.fail(closedError)
            return
        }
        if request.expectsSubscriptionAcks { inSubscribedMode = true }
        pending.append(
            Pending(
                replyCount: request.replyCount, expectsSubscriptionAcks: request.expectsSubscriptionAcks,
                promise: request.promise))
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let token = unwrapInboundIn(data)
        if let kind = pubSubKind(of: token) {
            switch kind {
            case "message", "pmessage", "smessage":
                onPubSubMessage?(token)
                return
            case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
                if pending.first?.expectsSubscriptionAcks == true { break }
                return  // an acknowledgement nobody waits for (a server-initiated unsubscribe)
            default:
                if token.type == .push { return }  // other RESP3 pushes (client tracking): not ours
            }
        }
        guard !pending.isEmpty else {
            failEverything(
                .unexpectedReply(command: "(none pending)", address, reply: String(token.description.prefix(200))))
            context.close(promise: nil)
            return
        }
        let head = pending[pending.startIndex]
        if headReplies.isEmpty { headReplies.reserveCapacity(head.replyCount) }
        headReplies.append(token)
        // A refused (P)SUBSCRIBE (NOPERM for a channel) answers once with an error, however many names it had.
        let refusedSubscription = head.expectsSubscriptionAcks && token.errorMessage != nil
        if headReplies.count == head.replyCount || refusedSubscription {
            pending.removeFirst()
            let replies = headReplies
            headReplies = []
            head.promise.succeed(replies)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let protocolError = error as? RESPProtocolError {
            failEverything(.protocolViolation(address, protocolError))
        } else if let tlsError = error as? TLSError {
            failEverything(.tls(address, tlsError))
        } else {
            failEverything(.connectionClosed(address, reason: "\(error)"))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failEverything(.connectionClosed(address, reason: nil))
        context.fireChannelInactive()
    }

    private func failEverything(_ error: RedisError) {
        if closedError == nil {
            closedError = error
            closeReason.record(error)
        }
        headReplies = []
        while let request = pending.popFirst() {
            request.promise.fail(error)
        }
    }

    /// The pub/sub kind (`message`, `subscribe`, ...) if the token is a pub/sub push, else `nil`.
    private func pubSubKind(of token: RESPToken) -> String? {
        let elements: RESPToken.Aggregate
        switch token.value {
        case .push(let aggregate): elements = aggregate
        case .array(let aggregate) where inSubscribedMode: elements = aggregate
        default: return nil
        }
        var iterator = elements.makeIterator()
        guard let first = iterator.next()?.string else { return token.type == .push ? "" : nil }
        switch first {
        case "message", "pmessage", "smessage", "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe",
            "sunsubscribe":
            return first
        default:
            return token.type == .push ? first : nil
        }
    }
}

extension CircularBuffer {
    mutating func popFirst() -> Element? {
        isEmpty ? nil : removeFirst()
    }
}
