import Coordination
import Foundation
import RedisClient
import Testing

@Suite("Coordinator settings")
struct SettingsTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tc-settings-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a full file: Sentinel, TLS for both, address map, lease, and a password from a file")
    func fullFile() throws {
        let passwordFile = try write("s3cret\n")
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let path = try write(
            """
            redis:
              endpoints: ["10.0.0.1:26379", "10.0.0.2:26379"]
              db: 2
              username: coordinator
              passwordFile: \(passwordFile)
              tls:
                ca: /etc/redis/ca.crt
                serverName: redis.internal
              sentinel:
                masterName: mymaster
                password: sentinel-pass
                tls: false
              addressMap: {"10.96.0.5:6379": "127.0.0.1:16379"}
            traefik:
              rootKey: traefik
              dynamic: /etc/traefik/dynamic
            coordinator:
              prune: all
              reconcileInterval: 1m
            lease: {duration: 6s, renewDeadline: 4s, retryPeriod: 1s}
            admin:
              listen: 127.0.0.1:9000
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try CoordinatorSettings.load(file: path, environment: [:])
        #expect(settings.redis.endpoints.map(\.address.description) == ["10.0.0.1:26379", "10.0.0.2:26379"])
        #expect(settings.redis.database == 2)
        #expect(settings.redis.password?.value == "s3cret")
        #expect(settings.redis.tls?.caFile == "/etc/redis/ca.crt")
        #expect(settings.redis.tls?.serverName == "redis.internal")
        #expect(settings.redis.sentinel?.masterName == "mymaster")
        #expect(settings.redis.sentinel?.tls == .disabled)
        #expect(settings.redis.addressMap.entries.count == 1)
        #expect(settings.prune == .all)
        #expect(settings.reconcileInterval == .seconds(60))
        #expect(settings.lease == CoordinatorSettings.Lease(duration: .seconds(6), renewDeadline: .seconds(4), retryPeriod: .seconds(1)))
        #expect(settings.adminListen == "127.0.0.1:9000")
        #expect(settings.effectiveStatePrefix == "coordinator:traefik:")
    }

    @Test("environment variables override the file; a typo in a variable name is an error")
    func environment() throws {
        let path = try write("redis:\n  endpoints: [\"127.0.0.1:6379\"]\n  db: 1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try CoordinatorSettings.load(
            file: path,
            environment: [
                "TRAEFIK_COORDINATOR_REDIS_DB": "3", "TRAEFIK_COORDINATOR_REDIS_PASSWORD": "from-env",
                "TRAEFIK_COORDINATOR_REDIS_SENTINEL_MASTER_NAME": "mymaster",
                "TRAEFIK_COORDINATOR_REDIS_ENDPOINTS": "10.0.0.1:26379, 10.0.0.2:26379",
                "TRAEFIK_COORDINATOR_LEASE_DURATION": "20s", "PATH": "/usr/bin",
            ])
        #expect(settings.redis.database == 3)
        #expect(settings.redis.password?.value == "from-env")
        #expect(settings.redis.sentinel?.masterName == "mymaster")
        #expect(settings.redis.endpoints.count == 2)
        #expect(settings.lease.duration == .seconds(20))
        let error = try #require(throws: SettingsError.self) {
            try CoordinatorSettings.load(file: path, environment: ["TRAEFIK_COORDINATOR_REDIS_PASWORD": "x"])
        }
        #expect(error.description.contains("TRAEFIK_COORDINATOR_REDIS_PASWORD"))
        #expect(!error.description.contains(": x"))
    }

    @Test("unknown keys, bad values and bad combinations are errors naming the setting and the line")
    func errors() throws {
        func failure(_ yaml: String) throws -> SettingsError {
            let path = try write(yaml)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try #require(throws: SettingsError.self) { try CoordinatorSettings.load(file: path, environment: [:]) }
        }
        let unknown = try failure("redis:\n  endpoints: [a:1]\n  pasword: x\n")
        #expect(unknown.setting == "redis.pasword")
        #expect(unknown.origin?.hasSuffix(":3") == true)
        #expect(unknown.description.contains("did you mean"))
        #expect(try failure("redis:\n  endpoints: [a:1]\n  db: two\n").description.contains("expected an integer"))
        #expect(try failure("redis:\n  endpoints: [a:1]\nlease:\n  duration: 5s\n").description.contains("duration > renewDeadline > retryPeriod"))
        #expect(try failure("redis:\n  endpoints: [a:1]\ncoordinator:\n  statePrefix: \"traefik-state:\"\n").description.contains("starts with the root key"))
        #expect(try failure("redis:\n  endpoints: [a:1]\n  password: x\n  passwordFile: /f\n").description.contains("not both"))
        #expect(try failure("traefik:\n  rootKey: traefik\n").setting == "redis.endpoints")
        #expect(try failure("redis:\n  endpoints: [a:1]\n  sentinel:\n    password: x\n").description.contains("masterName"))
        #expect(try failure("redis: [").setting.hasSuffix(".yaml"))
        #expect(try failure("redis:\n  endpoints: [a:1]\nalerts:\n  webhookURL: ftp://x\n").setting == "alerts.webhookURL")
    }

    @Test("a YAML error says where and what, and never quotes the file: not the password next to a duplicate key or on the broken line")
    func yamlErrorsDoNotQuoteTheFile() throws {
        func message(_ yaml: String) throws -> String {
            let path = try write(yaml)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try #require(throws: SettingsError.self) { try CoordinatorSettings.load(file: path, environment: [:]) }
                .description
        }
        let secret = "hunter2-very-secret"
        // `redis:` twice: Yams' own error quoted the whole file, password included.
        let duplicate = try message("redis:\n  endpoints: [a:1]\n  password: \(secret)\ntraefik:\n  rootKey: t\nredis:\n  db: 1\n")
        #expect(duplicate.contains("line 1, column 1") && duplicate.contains("the key \"redis\" more than once"), "\(duplicate)")
        // A syntax error on the password's own line: Yams quoted that line.
        let broken = try message("redis:\n  endpoints: [a:1]\n  password: \"\(secret)\n")
        #expect(broken.contains("not valid YAML: line 4"), "\(broken)")
        let keys = try message("redis:\n  password: \(secret)\n  ? [a]\n")
        #expect(keys.contains("not supported YAML at line 3: an explicit key"), "\(keys)")
        for text in [duplicate, broken, keys] {
            #expect(!text.contains(secret), "\(text)")
            #expect(!text.contains("\n"), "one line: \(text)")
        }
    }
}

@Suite("conf/coordinator.yaml")
struct ShippedSettingsTests {
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Every `key:` of a YAML file by indentation — commented-out `# key: value` lines included — as dotted paths.
    static func documentedPaths(_ text: String) -> Set<String> {
        var stack: [(indent: Int, key: String)] = []
        var paths: Set<String> = []
        let line = /^(\s*)([A-Za-z][A-Za-z0-9]*):(\s|$)/
        for row in text.split(separator: "\n", omittingEmptySubsequences: false) {
            // `# key:` (commented out) counts, at the indentation it would have without `# `.
            var row = String(row)
            if let hash = row.firstIndex(of: "#"), row[..<hash].allSatisfy(\.isWhitespace) {
                row.removeSubrange(hash..<row.index(after: hash))
                if row[hash...].hasPrefix(" ") { row.remove(at: hash) }
            }
            guard let match = row.firstMatch(of: line) else { continue }
            let indent = match.1.count
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            stack.append((indent, String(match.2)))
            paths.insert(stack.map(\.key).joined(separator: "."))
        }
        return paths
    }

    @Test("it loads as shipped (secrets from the environment) and documents every setting")
    func shippedFileIsCompleteAndValid() throws {
        let path = "\(Self.repositoryRoot)/conf/coordinator.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let documented = Self.documentedPaths(text)
        let missing = CoordinatorSettings.settingPaths.filter { !documented.contains($0) }
        #expect(missing.isEmpty, "not in conf/coordinator.yaml: \(missing)")
        let unknown = documented.filter { path in
            !CoordinatorSettings.settingPaths.contains(path) && !CoordinatorSettings.settingPaths.contains { $0.hasPrefix(path + ".") }
        }
        #expect(unknown.isEmpty, "documented but not a setting: \(unknown.sorted())")

        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("tc-secret-\(UUID().uuidString)").path
        try "example-password".write(toFile: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let settings = try CoordinatorSettings.load(file: path, environment: [
            "TRAEFIK_COORDINATOR_REDIS_PASSWORD_FILE": secret, "TRAEFIK_COORDINATOR_REDIS_SENTINEL_PASSWORD_FILE": secret,
        ])
        #expect(settings.redis.sentinel?.masterName == "mymaster")
        #expect(settings.redis.endpoints.count == 3)
        #expect(settings.lease == CoordinatorSettings.Lease())
        #expect(settings.rootKey == "traefik")
    }
}
