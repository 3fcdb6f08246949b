import Foundation
import NIOPosix

/// A real HTTP server (python3's http.server) on a free port that records every POSTed body, one per line.
///
/// With a certificate it speaks HTTPS (python's `ssl` module, OpenSSL underneath), records the SNI name of
/// every handshake, and logs each failed handshake with OpenSSL's reason.
public final class WebhookReceiver: Sendable {
    public let process: ManagedProcess
    public let port: Int
    public let directory: String
    /// `http` or `https`.
    public let scheme: String

    private init(process: ManagedProcess, port: Int, directory: String, scheme: String) {
        self.process = process
        self.port = port
        self.directory = directory
        self.scheme = scheme
    }

    static let script = """
        import http.server, ssl, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                with open(sys.argv[2] + '/bodies', 'ab') as out:
                    out.write(body + b'\\n')
                with open(sys.argv[2] + '/paths', 'a') as out:
                    out.write(self.path + ' Host=' + str(self.headers.get('Host')) + '\\n')
                self.send_response(204)
                self.end_headers()
            def log_message(self, *arguments):
                pass
        class Server(http.server.HTTPServer):
            def get_request(self):
                try:
                    return super().get_request()
                except OSError as error:
                    print('handshake failed:', error, flush=True)
                    raise
        server = Server(('127.0.0.1', int(sys.argv[1])), Handler)
        if len(sys.argv) > 3:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
            def remember(connection, name, context):
                with open(sys.argv[2] + '/sni', 'a') as out:
                    out.write(str(name) + '\\n')
            context.sni_callback = remember
            server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """

    /// Starts the receiver, speaking HTTPS with `tls` (a server certificate and its key) when given, and
    /// waits (up to 10 s) until it listens.
    public static func start(tls: CertificateFiles? = nil) async throws -> WebhookReceiver {
        try await NIOThreadPool.singleton.runIfActive {
            let python = try ExternalTool.require("python3", package: "python3")
            let port = FreePort.next()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-webhook-\(port)-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let identity = tls.map { [$0.certificate, $0.privateKey] } ?? []
            let process = try ManagedProcess(
                name: "webhook :\(port)", executable: python, arguments: ["-c", script, String(port), directory] + identity,
                logPath: "\(directory)/receiver.log")
            let receiver = WebhookReceiver(process: process, port: port, directory: directory, scheme: tls == nil ? "http" : "https")
            do {
                try process.waitUntilListening(port: port, timeout: .seconds(10))
                return receiver
            } catch {
                receiver.stopBlocking()
                throw error
            }
        }
    }

    /// The bodies received so far.
    public var bodies: [String] { lines("bodies") }

    /// The request target and `Host` header of every POST so far (`/hook?x=1 Host=localhost:4430`).
    public var requests: [String] { lines("paths") }

    /// The SNI name of every TLS handshake so far (`None` when the client sent none).
    public var serverNames: [String] { lines("sni") }

    /// The receiver's output: one line per failed TLS handshake, with OpenSSL's reason.
    public var log: String { process.log }

    /// `scheme://host:port/path` of this receiver.
    public func url(host: String = "127.0.0.1", path: String = "/hook") -> String {
        "\(scheme)://\(host):\(port)\(path)"
    }

    private func lines(_ file: String) -> [String] { ManagedProcess.lines(ofFile: "\(directory)/\(file)") }

    public func stopBlocking() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
