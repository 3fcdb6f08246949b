import COpenSSL
import COpenSSLShims

/// An OpenSSL `SSL_CTX`, fully configured at creation and never changed afterwards.
///
/// Client contexts come from a ``TLSConfiguration``; server contexts exist for tests and tools that need the
/// other end of a connection. Connections (``TLSHandler``) are created from a context on any thread.
///
/// `@unchecked Sendable` is safe because: every `SSL_CTX_*` setter runs in `init`, before the context is
/// shared; afterwards the only uses are `SSL_new` (documented thread-safe on a shared, unmodified `SSL_CTX`,
/// which takes a reference with an atomic count) and `SSL_CTX_free` in `deinit`, which runs once.
public final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Whether connections verify the peer's certificate (false with `insecureSkipVerify`).
    var verifiesPeer: Bool {
        SSL_CTX_get_verify_mode(pointer) & SSL_VERIFY_PEER != 0
    }

    /// A client context: minimum version, trust (CA file or system store), optional client certificate.
    ///
    /// - Throws: ``TLSError/configuration(setting:reason:)`` naming the setting and file that failed, with
    ///   OpenSSL's reason.
    public convenience init(client configuration: TLSConfiguration) throws(TLSError) {
        try self.init(method: TLS_client_method(), minimumVersion: configuration.minimumVersion)
        let path = configuration.settingsPath
        if configuration.insecureSkipVerify {
            SSL_CTX_set_verify(pointer, SSL_VERIFY_NONE, nil)
        } else {
            SSL_CTX_set_verify(pointer, SSL_VERIFY_PEER, nil)
            if let caFile = configuration.caFile {
                try loadTrust(file: caFile, setting: "\(path).ca")
            } else {
                OpenSSLErrorQueue.clear()
                guard SSL_CTX_set_default_verify_paths(pointer) == 1 else {
                    throw .configuration(
                        setting: "\(path).ca",
                        reason: "cannot load the system trust store (\(OpenSSLErrorQueue.drain().joined(separator: "; "))); set \(path).ca")
                }
            }
        }
        try loadIdentity(
            certificateFile: configuration.certificateFile, privateKeyFile: configuration.privateKeyFile,
            settingsPath: path)
    }

    /// A server context: certificate and key, and when `clientCAFile` is set, client certificates required
    /// and verified against it.
    public convenience init(
        serverCertificateFile: String, privateKeyFile: String, clientCAFile: String? = nil,
        minimumVersion: TLSConfiguration.Version = .tls12
    ) throws(TLSError) {
        try self.init(method: TLS_server_method(), minimumVersion: minimumVersion)
        try loadIdentity(certificateFile: serverCertificateFile, privateKeyFile: privateKeyFile, settingsPath: "tls")
        if let clientCAFile {
            SSL_CTX_set_verify(pointer, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            try loadTrust(file: clientCAFile, setting: "tls.clientCA")
        } else {
            SSL_CTX_set_verify(pointer, SSL_VERIFY_NONE, nil)
        }
    }

    private init(method: OpaquePointer?, minimumVersion: TLSConfiguration.Version) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(method) else {
            throw .configuration(setting: "tls", reason: "SSL_CTX_new failed: \(OpenSSLErrorQueue.drain().joined(separator: "; "))")
        }
        pointer = context
        let version = minimumVersion == .tls13 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard tcoord_SSL_CTX_set_min_proto_version(context, version) == 1 else {
            throw .configuration(setting: "tls.minimumVersion", reason: "OpenSSL refused TLS \(minimumVersion.rawValue) as the minimum")
        }
        SSL_CTX_set_options(context, tcoord_SSL_OP_NO_COMPRESSION() | tcoord_SSL_OP_NO_RENEGOTIATION())
        _ = tcoord_SSL_CTX_set_session_cache_mode(context, tcoord_SSL_SESS_CACHE_OFF())
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    private func loadTrust(file: String, setting: String) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard SSL_CTX_load_verify_file(pointer, file) == 1 else {
            throw .configuration(
                setting: setting,
                reason: "cannot load CA certificates from '\(file)': \(Self.reasons(or: "no PEM certificate found"))")
        }
        guard let store = SSL_CTX_get_cert_store(pointer), let objects = X509_STORE_get0_objects(store),
            OPENSSL_sk_num(objects) > 0
        else {
            throw .configuration(setting: setting, reason: "'\(file)' holds no CA certificate")
        }
    }

    private func loadIdentity(certificateFile: String?, privateKeyFile: String?, settingsPath: String) throws(TLSError) {
        switch (certificateFile, privateKeyFile) {
        case (nil, nil):
            return
        case (.some, nil):
            throw .configuration(setting: "\(settingsPath).key", reason: "a client certificate needs its private key: set \(settingsPath).key")
        case (nil, .some):
            throw .configuration(setting: "\(settingsPath).cert", reason: "a private key needs its certificate: set \(settingsPath).cert")
        case (let certificateFile?, let privateKeyFile?):
            OpenSSLErrorQueue.clear()
            guard SSL_CTX_use_certificate_chain_file(pointer, certificateFile) == 1 else {
                throw .configuration(
                    setting: "\(settingsPath).cert",
                    reason: "cannot load the certificate chain from '\(certificateFile)': \(Self.reasons(or: "no PEM certificate found"))")
            }
            let mismatch = TLSError.configuration(
                setting: "\(settingsPath).key",
                reason: "the private key in '\(privateKeyFile)' does not match the certificate in '\(certificateFile)'")
            guard SSL_CTX_use_PrivateKey_file(pointer, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
                let reasons = Self.reasons(or: "no PEM private key found")
                if reasons.contains("key values mismatch") { throw mismatch }
                let encrypted = reasons.contains("bad decrypt") || reasons.contains("bad password") || reasons.contains("interrupted")
                throw .configuration(
                    setting: "\(settingsPath).key",
                    reason: "cannot load the private key from '\(privateKeyFile)': \(reasons)"
                        + (encrypted ? " (encrypted keys are not supported: store it unencrypted in a Secret)" : ""))
            }
            guard SSL_CTX_check_private_key(pointer) == 1 else {
                throw mismatch
            }
        }
    }

    private static func reasons(or fallback: String) -> String {
        let reasons = OpenSSLErrorQueue.drain()
        return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
    }
}
