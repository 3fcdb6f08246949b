import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 GET over SwiftNIO, for Traefik's API (`/api/rawdata`) on the pods. No redirects, no TLS:
/// the API listens on the pods' internal entry point.
enum HTTPFetch {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Fetches `path` from `host:port`; the body is capped at 64 MiB.
    static func get(host: String, port: Int, path: String, timeout: Duration) async throws -> (status: Int, body: [UInt8]) {
        try await request(method: .GET, host: host, port: port, path: path, body: nil, timeout: timeout)
    }

    /// POSTs a JSON body.
    static func postJSON(host: String, port: Int, path: String, body: [UInt8], timeout: Duration) async throws -> Int {
        try await request(method: .POST, host: host, port: port, path: path, body: body, timeout: timeout).status
    }

    private static func request(
        method: HTTPMethod, host: String, port: Int, path: String, body: [UInt8]?, timeout: Duration
    ) async throws -> (status: Int, body: [UInt8]) {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: (Int, [UInt8]).self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw Failure(description: "cannot connect to \(host):\(port): \(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(Failure(description: "no answer from \(host):\(port) within \(timeout)"))
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
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
        let (status, body) = try await promise.futureResult.get()
        return (status, body)
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
