import COpenSSL
import COpenSSLShims
import NIOCore

/// One TLS session in OpenSSL, fed and drained through two memory BIOs; no I/O of its own.
///
/// Ciphertext from the network goes in with ``receive(_:)``; ciphertext for the network comes out of
/// ``drainCiphertext(allocator:)`` after every operation. Not thread-safe: a ``TLSHandler`` uses it on its
/// channel's event loop only.
final class TLSConnection {
    /// Which side of the handshake this is.
    enum Role {
        case client
        case server
    }

    enum HandshakeOutcome {
        case completed
        case needsMoreData
        case failed(TLSError)
    }

    enum ReadOutcome {
        case data(ByteBuffer)
        case needsMoreData
        case closeNotify
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    /// Network → OpenSSL.
    private let networkInput: OpaquePointer
    /// OpenSSL → network.
    private let networkOutput: OpaquePointer
    /// The name or IP the peer's certificate is checked against (clients only).
    let verifiedName: String?
    private let verifiesPeer: Bool
    private let settingsPath: String
    /// The first bytes the peer sent, kept until the handshake ends, to recognise a plaintext answer.
    private var firstBytes: [UInt8] = []

    /// Creates a session. For a client, `peerName` (host name or IP literal) is what the certificate must be
    /// valid for; host names are also sent as SNI.
    init(context: TLSContext, role: Role, peerName: String?, settingsPath: String = "redis.tls") throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer), let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            throw .configuration(setting: settingsPath, reason: "cannot create a TLS session: \(OpenSSLErrorQueue.drain().joined(separator: "; "))")
        }
        SSL_set_bio(ssl, input, output)  // the SSL owns both BIOs from here on
        self.ssl = ssl
        self.networkInput = input
        self.networkOutput = output
        self.verifiesPeer = context.verifiesPeer
        self.settingsPath = settingsPath
        self.verifiedName = role == .client ? peerName : nil
        switch role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            guard let peerName else { break }
            if isIPAddress(peerName) {
                guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), peerName) == 1 else {
                    throw .configuration(setting: "\(settingsPath).serverName", reason: "'\(peerName)' is not a usable IP address")
                }
            } else {
                SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
                guard SSL_set1_host(ssl, peerName) == 1, tcoord_SSL_set_tlsext_host_name(ssl, peerName) == 1 else {
                    throw .configuration(setting: "\(settingsPath).serverName", reason: "'\(peerName)' is not a usable host name")
                }
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// Hands ciphertext from the network to OpenSSL.
    func receive(_ buffer: ByteBuffer) {
        if firstBytes.count < 64 { firstBytes += buffer.readableBytesView.prefix(64 - firstBytes.count) }
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            _ = BIO_write(networkInput, base, Int32(bytes.count))  // a memory BIO takes everything
        }
    }

    /// Advances the handshake with whatever ciphertext has arrived.
    func handshake() -> HandshakeOutcome {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            firstBytes = []
            return .completed
        }
        let code = SSL_get_error(ssl, result)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE { return .needsMoreData }
        return .failed(handshakeError(reasons: OpenSSLErrorQueue.drain()))
    }

    /// The error for a failed handshake: plaintext answer, certificate rejected, or OpenSSL's reasons.
    func handshakeError(reasons: [String]) -> TLSError {
        if let plaintext = plaintextAnswer { return .notTLS(serverSaid: plaintext) }
        let verifyResult = SSL_get_verify_result(ssl)
        let rejected = verifiesPeer && verifyResult != X509_V_OK
        return .handshakeFailed(
            reasons: reasons,
            verifyResult: rejected ? String(cString: X509_verify_cert_error_string(verifyResult)) : nil,
            verifiedName: verifiedName, settingsPath: settingsPath)
    }

    /// What the peer said, when its first bytes are a RESP reply (`-ERR ...`, `+OK`) or an HTTP status line
    /// (`HTTP/1.0 400 Bad request`: an `https://` URL pointing at a plain HTTP port) rather than a TLS record.
    var plaintextAnswer: String? {
        guard let first = firstBytes.first,
            [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "$")].contains(first)
                || firstBytes.starts(with: "HTTP/".utf8)
        else { return nil }
        let line = firstBytes.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        return String(decoding: line.map { (32..<127).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// Decrypts the next chunk of application data (at most `chunkSize` bytes).
    func read(allocator: ByteBufferAllocator, chunkSize: Int = 16_384) -> ReadOutcome {
        OpenSSLErrorQueue.clear()
        var buffer = allocator.buffer(capacity: chunkSize)
        var code: Int32 = SSL_ERROR_NONE
        let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunkSize) { bytes in
            var read = 0
            let result = SSL_read_ex(ssl, bytes.baseAddress, bytes.count, &read)
            if result != 1 { code = SSL_get_error(ssl, result) }
            return result == 1 ? read : 0
        }
        if count > 0 { return .data(buffer) }
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .needsMoreData
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        default:
            return .failed(.connectionFailed(reasons: OpenSSLErrorQueue.drain(), settingsPath: settingsPath))
        }
    }

    /// Encrypts application data; the records wait in the output BIO for ``drainCiphertext(allocator:)``.
    func write(_ buffer: ByteBuffer) -> TLSError? {
        OpenSSLErrorQueue.clear()
        var failure: TLSError?
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > 0 else { return }
            var written = 0
            if SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written) != 1 || written != bytes.count {
                failure = .connectionFailed(reasons: OpenSSLErrorQueue.drain(), settingsPath: settingsPath)
            }
        }
        return failure
    }

    /// Sends our `close_notify`; returns true when the peer's has been received as well.
    @discardableResult
    func shutdown() -> Bool {
        OpenSSLErrorQueue.clear()
        let result = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
        return result == 1
    }

    /// The ciphertext OpenSSL produced since the last call, or `nil` when there is none.
    func drainCiphertext(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = Int(BIO_ctrl_pending(networkOutput))
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            Int(max(0, BIO_read(networkOutput, bytes.baseAddress, Int32(pending))))
        }
        return buffer
    }

    /// The negotiated protocol version, e.g. `TLSv1.3`.
    var protocolVersion: String {
        String(cString: SSL_get_version(ssl))
    }

    /// The negotiated cipher suite, e.g. `TLS_AES_256_GCM_SHA384`.
    var cipher: String {
        SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)).map { String(cString: $0) } ?? "none"
    }
}
