import Foundation
import NIOPosix

/// A real HTTPS server (python3's http.server wrapped in `ssl`) on a free loopback port that passes every GET
/// on to a plain HTTP upstream, such as Traefik's API port: Traefik's API behind TLS, as an ingress or a
/// sidecar would put it. It records the request lines and the SNI names it saw.
public final class HTTPSReverseProxy: Sendable {
    public let process: ManagedProcess
    public let port: Int
    public let directory: String

    private init(process: ManagedProcess, port: Int, directory: String) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    static let script = """
        import http.server, ssl, sys, urllib.request, urllib.error
        port, upstream, directory, certificate, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with open(directory + '/requests', 'a') as out:
                    out.write(self.path + ' Host=' + str(self.headers.get('Host')) + '\\n')
                try:
                    with urllib.request.urlopen(upstream + self.path, timeout=5) as answer:
                        status, body = answer.status, answer.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *arguments):
                pass
        class Server(http.server.HTTPServer):
            def get_request(self):
                try:
                    return super().get_request()
                except OSError as error:
                    print('handshake failed:', error, flush=True)
                    raise
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        def remember(connection, name, context):
            with open(directory + '/sni', 'a') as out:
                out.write(str(name) + '\\n')
        context.sni_callback = remember
        server = Server(('127.0.0.1', port), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """

    /// Starts the proxy in front of `http://127.0.0.1:<upstreamPort>` with `tls` as its certificate, and waits
    /// (up to 10 s) until it listens.
    public static func start(upstreamPort: Int, tls: CertificateFiles) async throws -> HTTPSReverseProxy {
        try await NIOThreadPool.singleton.runIfActive {
            let python = try ExternalTool.require("python3", package: "python3")
            let port = FreePort.next()
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("tc-https-proxy-\(port)-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let process = try ManagedProcess(
                name: "https proxy :\(port)", executable: python,
                arguments: ["-c", script, String(port), "http://127.0.0.1:\(upstreamPort)", directory, tls.certificate, tls.privateKey],
                logPath: "\(directory)/proxy.log")
            let proxy = HTTPSReverseProxy(process: process, port: port, directory: directory)
            do {
                try process.waitUntilListening(port: port, timeout: .seconds(10))
                return proxy
            } catch {
                proxy.stopBlocking()
                throw error
            }
        }
    }

    /// `/api/rawdata Host=localhost:4430` for every GET so far.
    public var requests: [String] { lines("requests") }

    /// The SNI name of every TLS handshake so far (`None` when the client sent none).
    public var serverNames: [String] { lines("sni") }

    /// One line per failed TLS handshake, with OpenSSL's reason.
    public var log: String { process.log }

    private func lines(_ file: String) -> [String] { ManagedProcess.lines(ofFile: "\(directory)/\(file)") }

    public func stopBlocking() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
