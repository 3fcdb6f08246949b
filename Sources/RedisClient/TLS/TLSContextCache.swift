import COpenSSL
public import Logging
import Synchronization

/// The OpenSSL context for a ``TLSConfiguration``, rebuilt when its files change on disk.
///
/// Kubernetes rotates mounted secrets by swapping a symlink, so the paths stay the same and the contents
/// change. ``refresh(logger:)`` (called before every new connection) reads the CA, certificate and key files
/// and compares their SHA-256 with those of the current context; when they differ it builds a new context.
/// A new set of files that OpenSSL cannot use is logged as an error (once per distinct content) and the
/// previous context stays in use, so a half-written rotation never breaks new connections.
public final class TLSContextCache: Sendable {
    /// The configuration the contexts are built from.
    public let configuration: TLSConfiguration

    private struct Loaded: Sendable {
        var fingerprint: [UInt8]
        var context: TLSContext
        /// The fingerprint of the last set of files that failed to load, so it is reported once.
        var rejectedFingerprint: [UInt8]?
        var generation: Int
    }

    private let loaded: Mutex<Loaded>

    /// Loads the files once.
    ///
    /// - Throws: ``TLSError/configuration(setting:reason:)`` when a file is missing, unreadable or unusable:
    ///   at start-up there is no previous context to fall back on.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        self.configuration = configuration
        let fingerprint = try Self.fingerprint(of: configuration)
        let context = try TLSContext(client: configuration)
        loaded = Mutex(Loaded(fingerprint: fingerprint, context: context, rejectedFingerprint: nil, generation: 1))
    }

    /// The context new connections use now.
    public var current: TLSContext {
        loaded.withLock { $0.context }
    }

    /// How many distinct sets of files have been loaded (1 after start-up).
    public var generation: Int {
        loaded.withLock { $0.generation }
    }

    /// Re-reads the files and switches to a new context when they changed. Blocking file I/O: call it from a
    /// thread pool.
    ///
    /// - Returns: the context to use for the next connection (the previous one when the new files are broken).
    @discardableResult
    public func refresh(logger: Logger) -> TLSContext {
        let fingerprint: [UInt8]
        do {
            fingerprint = try Self.fingerprint(of: configuration)
        } catch {
            report(error, fingerprint: [], logger: logger)
            return current
        }
        let (unchanged, alreadyRejected) = loaded.withLock {
            ($0.fingerprint == fingerprint, $0.rejectedFingerprint == fingerprint)
        }
        if unchanged || alreadyRejected { return current }
        do {
            let context = try TLSContext(client: configuration)
            let generation = loaded.withLock {
                $0 = Loaded(fingerprint: fingerprint, context: context, rejectedFingerprint: nil, generation: $0.generation + 1)
                return $0.generation
            }
            logger.info(
                "TLS files changed; new connections use them",
                metadata: ["tls.settings": "\(configuration.settingsPath)", "tls.generation": "\(generation)"])
            return context
        } catch {
            report(error, fingerprint: fingerprint, logger: logger)
            return current
        }
    }

    private func report(_ error: TLSError, fingerprint: [UInt8], logger: Logger) {
        let isNew = loaded.withLock { state in
            defer { state.rejectedFingerprint = fingerprint }
            return state.rejectedFingerprint != fingerprint
        }
        guard isNew else { return }
        logger.error(
            "TLS files changed but cannot be used; new connections keep the previous certificates until they are fixed",
            metadata: ["tls.settings": "\(configuration.settingsPath)", "error": "\(error)"])
    }

    /// SHA-256 over every configured file's path and contents.
    static func fingerprint(of configuration: TLSConfiguration) throws(TLSError) -> [UInt8] {
        guard let digest = EVP_MD_CTX_new() else {
            throw .configuration(setting: configuration.settingsPath, reason: "EVP_MD_CTX_new failed")
        }
        defer { EVP_MD_CTX_free(digest) }
        EVP_DigestInit_ex(digest, EVP_sha256(), nil)
        let settings = [
            (configuration.caFile, "ca"), (configuration.certificateFile, "cert"), (configuration.privateKeyFile, "key"),
        ]
        for case (let path?, let name) in settings {
            let contents = try readFile(path, setting: "\(configuration.settingsPath).\(name)")
            let header = Array("\(name)\u{0}\(path)\u{0}\(contents.count)\u{0}".utf8)
            EVP_DigestUpdate(digest, header, header.count)
            EVP_DigestUpdate(digest, contents, contents.count)
        }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(digest, &output, &length)
        return Array(output.prefix(Int(length)))
    }

    /// The whole file, through OpenSSL's file BIO (its error says why a file cannot be opened).
    private static func readFile(_ path: String, setting: String) throws(TLSError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let file = BIO_new_file(path, "rb") else {
            let reasons = OpenSSLErrorQueue.drain().filter { !$0.contains("BIO routines") }
            throw .configuration(
                setting: setting, reason: "cannot read '\(path)': \(reasons.isEmpty ? "cannot open the file" : reasons.joined(separator: "; "))")
        }
        defer { BIO_free(file) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = BIO_read(file, &chunk, Int32(chunk.count))
            if count <= 0 { break }
            contents += chunk.prefix(Int(count))
            if contents.count > 16 << 20 {
                throw .configuration(setting: setting, reason: "'\(path)' is larger than 16 MiB; is it really a PEM file?")
            }
        }
        return contents
    }
}
