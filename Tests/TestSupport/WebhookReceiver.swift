import Foundation
import NIOPosix

/// A real HTTP server (python3's http.server) on a free port that records every POSTed body, one per line.
public final class WebhookReceiver: Sendable {
    public let process: ManagedProcess
    public let port: Int
    public let directory: String

    private init(process: ManagedProcess, port: Int, directory: String) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    static let script = """
        import http.server, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                with open(sys.argv[2], 'ab') as out:
                    out.write(body + b'\\n')
                self.send_response(204)
                self.end_headers()
            def log_message(self, *arguments):
                pass
        http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
        """

    /// Starts the receiver and waits (up to 10 s) until it listens.
    public static func start() async throws -> WebhookReceiver {
        try await NIOThreadPool.singleton.runIfActive {
            let python = try ExternalTool.require("python3", package: "python3")
            let port = FreePort.next()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tc-webhook-\(port)-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let process = try ManagedProcess(
                name: "webhook :\(port)", executable: python, arguments: ["-c", script, String(port), "\(directory)/bodies"],
                logPath: "\(directory)/receiver.log")
            let receiver = WebhookReceiver(process: process, port: port, directory: directory)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if let fd = FreePort.connectLoopback(port: port) {
                    close(fd)
                    return receiver
                }
                usleep(50_000)
            }
            receiver.stopBlocking()
            throw TestSupportError.timedOut("the webhook receiver did not listen. Log:\n\(process.log)")
        }
    }

    /// The bodies received so far.
    public var bodies: [String] {
        ((try? String(contentsOfFile: "\(directory)/bodies", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func stopBlocking() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
