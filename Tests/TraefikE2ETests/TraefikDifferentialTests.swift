import Foundation
import NIOPosix
import RESP
import RedisClient
import TestSupport
import Testing
import TraefikConfig

/// The proof that we validate and render exactly as Traefik reads: every configuration of the corpus is given to
/// a real Traefik 3.7 twice, once as the file itself (file provider) and once as our rendered keys in a real
/// redis-server (Redis provider); what `/api/rawdata` shows must be equal once `@file`/`@redis` are removed.
@Suite(
    .enabled(if: ExternalTool.shouldRun("traefik") && ExternalTool.shouldRun("redis-server")),
    .timeLimit(.minutes(5)))
struct TraefikDifferentialTests {
    static let corpus = Bundle.module.url(forResource: "Corpus", withExtension: nil)!

    static func files(_ folder: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(
            at: corpus.appendingPathComponent(folder), includingPropertiesForKeys: nil
        ).filter { ConfigFileFormat(fileName: $0.lastPathComponent) != nil }.sorted { $0.path < $1.path }
    }

    @Test("an HTTP request through the Redis-fed Traefik reaches the backend through a 12-middleware chain in order")
    func requestThroughRedisFedTraefik() async throws {
        // Each addPrefix middleware prepends its prefix, so the backend sees /p11/p10/.../p00/backend.txt only if
        // Traefik applied all 12 in list order; a reordered chain (0, 1, 10, 11, 2, ...) asks for another path.
        let token = "reached-\(UUID().uuidString)"
        let path = (0..<12).reversed().map { String(format: "/p%02d", $0) }.joined() + "/backend.txt"
        let backend = try await HTTPBackendProcess.start(files: [String(path.dropFirst()): token])
        defer { backend.stopBlocking() }
        let names = (0..<12).map { String(format: "m%02d", $0) }
        var yaml = """
            http:
              routers:
                through:
                  rule: "Path(`/backend.txt`)"
                  entryPoints: [web]
                  service: backend
                  middlewares: [\(names.joined(separator: ", "))]
              services:
                backend:
                  loadBalancer:
                    servers: [{url: "http://127.0.0.1:\(backend.port)"}]
              middlewares:

            """
        for name in names {
            yaml += "        \(name): {addPrefix: {prefix: /p\(name.dropFirst())}}\n"
        }
        let result = DynamicConfigurationLoader.load(documents: [("chain.yml", yaml)])
        #expect(result.issues.isEmpty, "\(result.issues)")
        let pairs = KVRenderer.render(result.configuration)
        #expect(pairs.contains(KVPair(key: "traefik/http/routers/through/middlewares/11", value: "m11")))
        try await withRedisServer { redis in
            try await Self.write(pairs, to: redis, database: 0)
            let traefik = try await TraefikProcess.start(providerArguments: [
                "--providers.redis.endpoints=127.0.0.1:\(redis.address.port)", "--providers.redis.rootKey=traefik",
            ])
            defer { traefik.stopBlocking() }
            var last: HTTPGet.Response?
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                last = try await traefik.web("/backend.txt")
                if last?.status == 200 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(last?.status == 200, "no 200 through Traefik; last: \(String(describing: last?.status))\n\(traefik.log.suffix(2000))")
            #expect(last?.body == token)
        }
    }

    @Test("at least 30 valid configurations read identically from files and from our Redis keys")
    func validCorpusMatchesTraefik() async throws {
        let files = try Self.files("valid")
        #expect(files.count >= 30)
        try await withRedisServer(["databases 128"]) { redis in
            let failures = try await forEachConcurrently(Array(files.enumerated()), width: 4) { index, file in
                try await Self.differential(file: file, database: index + 1, redis: redis)
            }
            for failure in failures.compactMap({ $0 }) {
                Issue.record(Comment(rawValue: failure))
            }
        }
    }

    /// Returns a failure message, or nil when Traefik read the file and our keys identically.
    static func differential(file: URL, database: Int, redis: RedisServerProcess) async throws -> String? {
        let name = file.lastPathComponent
        let result = DynamicConfigurationLoader.load(path: file.path)
        guard result.isValid else { return "\(name): our validator rejected it:\n\(result.issues.map(\.description).joined(separator: "\n"))" }
        let pairs = KVRenderer.render(result.configuration)
        let reparsed = KVParser.parse(pairs)
        guard reparsed.issues.isEmpty, reparsed.configuration == result.configuration else {
            return "\(name): parsing our own keys back gave a different configuration (\(reparsed.issues))"
        }
        try await write(pairs, to: redis, database: database)

        // Traefik 3.7's file provider refuses the .json extension (measured: "unsupported file extension"), though
        // its decoder reads JSON as YAML; give it the same text under a .yml name.
        var fileForTraefik = file.path
        if ConfigFileFormat(fileName: name) == .json {
            fileForTraefik = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString)-\(name).yml").path
            try FileManager.default.copyItem(atPath: file.path, toPath: fileForTraefik)
        }
        let fromFile = try await TraefikProcess.start(providerArguments: ["--providers.file.filename=\(fileForTraefik)"])
        let fromRedis = try await TraefikProcess.start(providerArguments: [
            "--providers.redis.endpoints=127.0.0.1:\(redis.address.port)", "--providers.redis.db=\(database)",
            "--providers.redis.rootKey=traefik",
        ])
        defer {
            fromFile.stopBlocking()
            fromRedis.stopBlocking()
            if fileForTraefik != file.path { try? FileManager.default.removeItem(atPath: fileForTraefik) }
        }
        let expected = result.configuration.elementCount
        let fileView = try await loadedView(of: fromFile, provider: "file", expected: expected)
        let redisView = try await loadedView(of: fromRedis, provider: "redis", expected: expected)
        guard let fileView else { return "\(name): Traefik's file provider did not load \(expected) elements in 20 s. Log:\n\(fromFile.log.suffix(3000))" }
        guard let redisView else { return "\(name): Traefik's Redis provider did not load \(expected) elements in 20 s. Log:\n\(fromRedis.log.suffix(3000))" }
        let fileJSON = canonicalJSON(fileView)
        let redisJSON = canonicalJSON(redisView)
        if fileJSON != redisJSON {
            return "\(name): /api/rawdata differs.\nfile provider:  \(fileJSON)\nRedis provider: \(redisJSON)"
        }
        // "Accepted cleanly": no element of a valid configuration is in error.
        if fileJSON.contains("\"error\"") {
            return "\(name): Traefik reports an error for a configuration we accept: \(fileJSON)"
        }
        return nil
    }

    static func write(_ pairs: [KVPair], to redis: RedisServerProcess, database: Int) async throws {
        let connection = try await redis.connect(database: database)
        let commands = pairs.map { RESPCommand("SET", arguments: [.string($0.key), .string($0.value)]) }
        _ = try await connection.pipeline(commands)
        await connection.close()
    }

    static let collections = [
        "routers", "services", "middlewares", "tcpRouters", "tcpServices", "tcpMiddlewares", "udpRouters", "udpServices",
    ]

    /// Traefik's `/api/rawdata` restricted to one provider's elements, suffixes and volatile fields removed, once
    /// at least `expected` elements are there (polled for up to 20 s).
    static func loadedView(of traefik: TraefikProcess, provider: String, expected: Int) async throws -> [String: Any]? {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let rawdata = try await traefik.api("/api/rawdata") as? [String: Any] {
                let view = normalize(rawdata, provider: provider)
                let count = view.values.reduce(0) { $0 + (($1 as? [String: Any])?.count ?? 0) }
                if count >= expected {
                    try await Task.sleep(for: .milliseconds(300))  // let status settle, then read once more
                    return (try await traefik.api("/api/rawdata") as? [String: Any]).map { normalize($0, provider: provider) }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    static func normalize(_ rawdata: [String: Any], provider: String) -> [String: Any] {
        var view: [String: Any] = [:]
        for collection in collections {
            guard let elements = rawdata[collection] as? [String: Any] else { continue }
            var kept: [String: Any] = [:]
            for (name, element) in elements where name.hasSuffix("@" + provider) {
                kept[String(name.dropLast(provider.count + 1))] = scrub(element)
            }
            if !kept.isEmpty { view[collection] = kept }
        }
        return view
    }

    static func scrub(_ value: Any) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            var result: [String: Any] = [:]
            for (key, child) in dictionary where key != "provider" && key != "serverStatus" {
                result[key] = scrub(child)
            }
            return result
        case let array as [Any]:
            return array.map(scrub)
        case let string as String:
            return string.replacingOccurrences(of: "@file", with: "").replacingOccurrences(of: "@redis", with: "")
        default:
            return value
        }
    }

    static func canonicalJSON(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Runs `body` over `items` with at most `width` running at once; results in input order.
func forEachConcurrently<Item: Sendable, Result: Sendable>(
    _ items: [Item], width: Int, _ body: @escaping @Sendable (Item) async throws -> Result
) async throws -> [Result] {
    var results: [Result?] = Array(repeating: nil, count: items.count)
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var next = 0
        func startNext() {
            let index = next
            let item = items[index]
            group.addTask { (index, try await body(item)) }
            next += 1
        }
        while next < min(width, items.count) { startNext() }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < items.count { startNext() }
        }
    }
    return results.map { $0! }
}
