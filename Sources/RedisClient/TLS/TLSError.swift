import NIOCore

/// Why TLS to a server failed, with OpenSSL's reason strings and, for certificate problems, the verify result
/// and what to change. The server's address is added by ``RedisError/tls(_:_:)``.
public enum TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A certificate, key or CA file could not be used; `setting` names it (`redis.tls.cert`).
    case configuration(setting: String, reason: String)
    /// The handshake failed. `verifyResult` is set when the server's certificate was rejected;
    /// `verifiedName` is the host name or IP address it was checked against.
    case handshakeFailed(reasons: [String], verifyResult: String?, verifiedName: String?, settingsPath: String)
    /// The handshake did not finish in time.
    case handshakeTimeout(Duration)
    /// The server answered the ClientHello in plaintext: the port does not speak TLS.
    case notTLS(serverSaid: String)
    /// The TCP connection closed before the handshake finished.
    case closedDuringHandshake
    /// A fatal TLS error or alert after the handshake (TLS 1.3 servers reject a missing client certificate here).
    case connectionFailed(reasons: [String], settingsPath: String)
    /// The peer closed TCP without a `close_notify`: the last data may be truncated. Redis servers do this when
    /// they drop a client; the connection is treated as lost, never as a clean end of stream.
    case uncleanShutdown

    /// True when a new connection may succeed without a configuration change.
    public var isTransient: Bool {
        switch self {
        case .handshakeTimeout, .closedDuringHandshake, .uncleanShutdown:
            return true
        case .connectionFailed(let reasons, _):
            return !reasons.contains { $0.contains("certificate") }
        case .configuration, .handshakeFailed, .notTLS:
            return false
        }
    }

    public var description: String {
        switch self {
        case .configuration(let setting, let reason):
            return "\(setting): \(reason)"
        case .handshakeFailed(let reasons, let verifyResult, let name, let path):
            var text = "TLS handshake failed"
            if let verifyResult {
                text += ": server certificate rejected (\(verifyResult))"
                if let name { text += " while verifying \(Self.describe(name: name))" }
            } else if !reasons.isEmpty {
                text += ": " + reasons.joined(separator: "; ")
            }
            if let hint = Self.hint(reasons: reasons, verifyResult: verifyResult, name: name, settingsPath: path) {
                text += ". " + hint
            }
            return text
        case .handshakeTimeout(let timeout):
            return "TLS handshake did not finish within \(timeout): is this a TLS port, and is the server overloaded?"
        case .notTLS(let serverSaid):
            return "the server answered the TLS handshake in plaintext (\"\(serverSaid)\"): this port does not speak TLS; remove the TLS settings (for a URL: write http://) or use the server's TLS port (Redis: tls-port)"
        case .closedDuringHandshake:
            return "the server closed the connection during the TLS handshake: check the server's log for the reason (certificate, protocol version)"
        case .connectionFailed(let reasons, let path):
            var text = "TLS connection failed: " + (reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; "))
            if let hint = Self.hint(reasons: reasons, verifyResult: nil, name: nil, settingsPath: path) { text += ". " + hint }
            return text
        case .uncleanShutdown:
            return "the server closed the TCP connection without a TLS close_notify (the last reply may be truncated)"
        }
    }

    private static func describe(name: String) -> String {
        isIPAddress(name) ? "IP address \(name)" : "host name '\(name)'"
    }

    /// What to change, for the failures operators meet most.
    private static func hint(reasons: [String], verifyResult: String?, name: String?, settingsPath: String) -> String? {
        let all = ([verifyResult].compactMap { $0 } + reasons).joined(separator: " ").lowercased()
        if all.contains("hostname mismatch") {
            return "The certificate's subjectAltName does not list \(name.map { "'\($0)'" } ?? "this name"): connect by a name it lists or set \(settingsPath).serverName"
        }
        if all.contains("ip address mismatch") {
            return "The certificate has no IP subjectAltName for \(name ?? "this address"): connect by a host name it lists or set \(settingsPath).serverName"
        }
        if all.contains("expired") {
            return "The server's certificate has expired: renew it (and check the clocks)"
        }
        if all.contains("not yet valid") {
            return "The server's certificate is not valid yet: check the clocks"
        }
        if all.contains("local issuer") || all.contains("self-signed") || all.contains("self signed")
            || all.contains("unable to get issuer")
        {
            return "The server's certificate is not signed by a CA in \(settingsPath).ca (or the system trust store when that is unset)"
        }
        if all.contains("certificate required") || all.contains("peer did not return a certificate") {
            return "The server requires a client certificate: set \(settingsPath).cert and \(settingsPath).key"
        }
        if all.contains("unknown ca") || all.contains("bad certificate") || all.contains("certificate unknown") {
            return "The server rejected our client certificate (\(settingsPath).cert): it must be signed by a CA the server trusts (tls-ca-cert-file)"
        }
        if all.contains("wrong version number") {
            // OpenSSL's name for a first record that is not TLS at all: a plaintext server's answer.
            return "The server's answer is not TLS: this port does not speak TLS; remove the TLS settings (for a URL: write http://) or use the server's TLS port"
        }
        if all.contains("unsupported protocol") || all.contains("protocol version") {
            return "No protocol version in common: check \(settingsPath).minimumVersion and the server's tls-protocols"
        }
        return nil
    }
}

/// True for an IPv4 or IPv6 literal (without brackets), as `inet_pton` reads them.
func isIPAddress(_ text: String) -> Bool {
    (try? SocketAddress(ipAddress: text, port: 0)) != nil
}
