import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RedisClient

/// A minimal HTTP/1.1 client over SwiftNIO, for Traefik's API (`/api/rawdata`) and the alert webhook: one
/// request per connection, no redirects. `https://` goes through ``HTTPClientTLS`` (the project's OpenSSL
/// handler), which verifies the server's certificate for the URL's host.
enum HTTPFetch {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// GETs `endpoint`, connecting to `address` (a pod's IP from a DNS name) or else the URL's host; the
    /// certificate is checked against the URL's host either way. The body is capped at 64 MiB.
    static func get(
        _ endpoint: HTTPEndpoint, address: String? = nil, tls: HTTPClientTLS?, timeout: Duration, logger: Logger
    ) async throws -> (status: Int, body: [UInt8]) {
        try await request(method: .GET, endpoint, address: address, body: nil, tls: tls, timeout: timeout, logger: logger)
    }

    /// POSTs a JSON body; returns the status.
    static func postJSON(
        _ endpoint: HTTPEndpoint, body: [UInt8], tls: HTTPClientTLS?, timeout: Duration, logger: Logger
    ) async throws -> Int {
        try await request(method: .POST, endpoint, address: nil, body: body, tls: tls, timeout: timeout, logger: logger).status
    }

    private static func request(
        method: HTTPMethod, _ endpoint: HTTPEndpoint, address: String?, body: [UInt8]?, tls: HTTPClientTLS?,
        timeout: Duration, logger: Logger
    ) async throws -> (status: Int, body: [UInt8]) {
        let host = address ?? endpoint.host
        let port = endpoint.port
        let peer = "\(endpoint.scheme.rawValue)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        if endpoint.scheme == .https {
            guard let tls else { throw Failure(description: "\(peer): https:// without TLS settings") }
            await tls.prepare(endpoint: peer, logger: logger)
        }
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: (Int, [UInt8]).self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if endpoint.scheme == .https, let tls {
                        try channel.pipeline.syncOperations.addHandler(try tls.handler(host: endpoint.host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw Failure(description: "cannot connect to \(peer): \(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(Failure(description: "no answer from \(peer) within \(timeout)"))
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: endpoint.requestTarget)
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        head.headers.add(name: "User-Agent", value: "traefik-coordinator")
        head.headers.add(name: "Connection", value: "close")
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            let (status, body) = try await promise.futureResult.get()
            return (status, body)
        } catch let error as TLSError {
            throw Failure(description: "\(peer): \(error)")
        }
    }

    private final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<(Int, [UInt8])>
        var status = 0
        var body: [UInt8] = []

        init(promise: EventLoopPromise<(Int, [UInt8])>) {
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                status = Int(head.status.code)
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= 64 << 20 else {
                    promise.fail(Failure(description: "the answer is larger than 64 MiB"))
                    context.close(promise: nil)
                    return
                }
                body += buffer.readableBytesView
            case .end:
                promise.succeed((status, body))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(Failure(description: "the connection closed before the answer was complete"))
        }
    }
}
