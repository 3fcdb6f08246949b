/// The life of one TLS connection, as decisions for ``TLSHandler`` to carry out. No I/O, no OpenSSL.
///
/// ```
/// idle ──active──► handshaking ──done──► active ──close()──► closing ──peer close_notify / EOF / timeout──► closed
///                      │                   │  └──peer close_notify──► (reply close_notify) ──────────────► closed
///                      └──fail / EOF───────┴──fail / EOF without close_notify (truncation) ───────────────► closed
/// ```
struct TLSHandlerStateMachine {
    enum State: Equatable {
        case idle
        case handshaking
        case active
        /// Our `close_notify` is sent; waiting for the peer's (bounded by the shutdown timeout).
        case closing
        case closed
    }

    enum ActivationAction: Equatable {
        case startHandshake
        case none
    }

    enum CloseAction: Equatable {
        /// Nothing to say goodbye on yet: close the TCP connection at once.
        case closeNow
        /// Send `close_notify` and wait for the peer's, with a time limit.
        case sendCloseNotify
        /// A close is already under way: wait for it.
        case joinPendingClose
        /// Already closed: let the channel answer.
        case alreadyClosed
    }

    enum CloseNotifyAction: Equatable {
        /// The peer is closing: answer with our `close_notify` and close.
        case replyAndClose
        /// The peer answered our `close_notify`: close now.
        case finishClose
        case ignore
    }

    enum InactiveAction: Equatable {
        /// TCP closed mid-handshake.
        case failHandshake
        /// TCP closed without `close_notify` while data could still flow: report possible truncation.
        case reportTruncation
        /// TCP closed while we waited for the peer's `close_notify`: the close is complete.
        case completeClose
        case none
    }

    private(set) var state: State = .idle

    mutating func channelActive() -> ActivationAction {
        guard state == .idle else { return .none }
        state = .handshaking
        return .startHandshake
    }

    mutating func handshakeCompleted() {
        if state == .handshaking { state = .active }
    }

    mutating func closeRequested() -> CloseAction {
        switch state {
        case .idle, .handshaking:
            state = .closed
            return .closeNow
        case .active:
            state = .closing
            return .sendCloseNotify
        case .closing:
            return .joinPendingClose
        case .closed:
            return .alreadyClosed
        }
    }

    mutating func closeNotifyReceived() -> CloseNotifyAction {
        switch state {
        case .active, .handshaking:
            state = .closed
            return .replyAndClose
        case .closing:
            state = .closed
            return .finishClose
        case .idle, .closed:
            return .ignore
        }
    }

    /// The shutdown timeout fired; returns true when the close must be forced.
    mutating func shutdownTimedOut() -> Bool {
        guard state == .closing else { return false }
        state = .closed
        return true
    }

    /// The handshake timeout fired; returns true when the handshake must be failed.
    mutating func handshakeTimedOut() -> Bool {
        guard state == .handshaking else { return false }
        state = .closed
        return true
    }

    mutating func channelInactive() -> InactiveAction {
        defer { state = .closed }
        switch state {
        case .handshaking: return .failHandshake
        case .active: return .reportTruncation
        case .closing: return .completeClose
        case .idle, .closed: return .none
        }
    }

    /// A fatal TLS error: nothing more is sent or received.
    mutating func failed() {
        state = .closed
    }

    /// Whether buffered application data may be encrypted and sent now.
    var canSendApplicationData: Bool { state == .active }
    /// Whether new application writes are accepted (buffered or sent).
    var acceptsWrites: Bool { state == .idle || state == .handshaking || state == .active }
}
