import Foundation
import Logging
import NIOCore
import NIOPosix
import RESP
import RedisClient

/// Measures RESP decode throughput (no I/O) and pipelined SET throughput against a real redis-server.
///
/// Usage: `RESPBenchmarks [host:port [tls-host:port ca.pem]]` — without an address only the decode figures are
/// printed; with a TLS address and its CA, the pipelined SETs are measured over TLS as well.
/// Run through `Benchmarks/run`, which starts a redis-server and runs the reference tools in the same run.
@main
struct RESPBenchmarks {
    static func main() async throws {
        if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "decode" {
            try decodeFiles(Array(CommandLine.arguments.dropFirst(2)))
            return
        }
        print("RESP decode throughput (median of 7 runs)")
        print(pad("stream", 34) + pad("MiB/s", 10) + pad("replies/s", 14))
        for (name, stream, replies) in decodeStreams() {
            let seconds = median((0..<7).map { _ in time { decodeAll(stream) } })
            let mib = Double(stream.readableBytes) / 1_048_576
            print(pad(name, 34) + pad(String(format1(mib / seconds)), 10) + pad(String(Int(Double(replies) / seconds)), 14))
        }
        guard CommandLine.arguments.count > 1 else { return }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let total = 100_000
        print("\nPipelined SET of \(total) keys (16-byte values) through RedisConnection (median of 5 runs)")
        print(pad("transport", 10) + pad("batch size", 24) + pad("SET/s", 14))
        let plain = try await RedisConnection.connect(
            to: try RedisAddress(parsing: CommandLine.arguments[1]),
            configuration: RedisConnectionConfiguration(commandTimeout: .seconds(60)), logger: logger)
        try await measurePipelinedSets(plain, transport: "tcp", total: total)
        await plain.close()
        // `RESPBenchmarks PLAIN TLS CA`: the same over TLS (system OpenSSL), to the server's tls-port.
        guard CommandLine.arguments.count > 3 else { return }
        let tls = try TLSTransport(configuration: TLSConfiguration(caFile: CommandLine.arguments[3]))
        let encrypted = try await RedisConnection.connect(
            to: try RedisAddress(parsing: CommandLine.arguments[2]),
            configuration: RedisConnectionConfiguration(commandTimeout: .seconds(60), transport: tls), logger: logger)
        try await measurePipelinedSets(encrypted, transport: "tls", total: total)
        await encrypted.close()
    }

    /// Sends `total` SETs in batches of 100, 1,000 and 10,000 commands and prints the median rate per batch size.
    static func measurePipelinedSets(_ connection: RedisConnection, transport: String, total: Int) async throws {
        for batch in [100, 1_000, 10_000] {
            var runs: [Double] = []
            for run in 0..<5 {
                let commands = (0..<total).map { RESPCommand("SET", .string("bench:\(run):\($0)"), "0123456789abcdef") }
                let started = ContinuousClock.now
                var start = 0
                while start < total {
                    _ = try await connection.pipeline(Array(commands[start..<min(start + batch, total)]))
                    start += batch
                }
                runs.append(seconds(ContinuousClock.now - started))
                _ = try await connection.send(.raw(RESPCommand("FLUSHALL")))
            }
            print(pad(transport, 10) + pad(String(batch), 24) + pad(String(Int(Double(total) / median(runs))), 14))
        }
    }

    static func decodeStreams() -> [(String, ByteBuffer, Int)] {
        var small = ByteBuffer()
        for index in 0..<200_000 {
            switch index % 4 {
            case 0: small.writeString("+OK\r\n")
            case 1: small.writeString(":\(index)\r\n")
            case 2: small.writeString("$16\r\n0123456789abcdef\r\n")
            default: small.writeString("$-1\r\n")
            }
        }
        var bulk = ByteBuffer()
        let payload = String(repeating: "x", count: 16 * 1024)
        for _ in 0..<2_000 { bulk.writeString("$\(payload.utf8.count)\r\n\(payload)\r\n") }
        var mget = ByteBuffer()
        for _ in 0..<10 {
            mget.writeString("*60000\r\n")
            for index in 0..<60_000 {
                let value = "http://10.0.\(index % 250).\(index % 200):8080"
                mget.writeString("$\(value.utf8.count)\r\n\(value)\r\n")
            }
        }
        return [
            ("small replies (OK, int, bulk, nil)", small, 200_000),
            ("16 KiB bulk strings", bulk, 2_000),
            ("MGET of 60,000 values", mget, 10),
        ]
    }

    /// `RESPBenchmarks decode FILE...`: decodes each file of replies (written by `Benchmarks/compare`, which
    /// feeds the same files to hiredis) 7 times and prints `FILE MiB/s replies/s` (medians) per line.
    static func decodeFiles(_ paths: [String]) throws {
        for path in paths {
            let bytes = try Array(FileManager.default.contents(atPath: path) ?? Data())
            let stream = ByteBuffer(bytes: bytes)
            var replies = 0
            var seconds: [Double] = []
            for _ in 0..<7 { seconds.append(time { replies = decodeAll(stream) }) }
            let best = median(seconds)
            print("\(path) \(Double(bytes.count) / 1_048_576 / best) \(Double(replies) / best)")
        }
    }

    /// Decodes every reply of `stream`, touching each element of arrays; returns the number of top-level replies.
    @discardableResult
    static func decodeAll(_ stream: ByteBuffer) -> Int {
        var buffer = stream
        var decoder = RESPTokenDecoder()
        var count = 0
        var replies = 0
        while let token = try! decoder.decode(buffer: &buffer) {
            if case .array(let values) = token.value {  // touch every element, as a reader of MGET would
                for value in values { count &+= value.buffer.readableBytes }
            }
            count &+= 1
            replies += 1
        }
        precondition(count > 0)
        return replies
    }

    static func time(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        return seconds(ContinuousClock.now - start)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    static func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width) }
    static func format1(_ value: Double) -> String { String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
