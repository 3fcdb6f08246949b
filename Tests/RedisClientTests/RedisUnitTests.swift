import NIOCore
import RESP
import Testing

@testable import RedisClient

@Suite("Redis client units")
struct RedisUnitTests {
    @Test("backoff grows exponentially, is capped, and jitters within its fraction")
    func backoff() {
        let policy = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0.5)
        var generator = FixedGenerator()
        for attempt in 0..<10 {
            let base = min(0.1 * Double(1 << attempt), 2.0)
            for _ in 0..<50 {
                let delay = policy.delay(attempt: attempt, using: &generator).seconds
                #expect(delay >= base * 0.5 - 1e-9 && delay <= base + 1e-9, "attempt \(attempt): \(delay)")
            }
        }
        let noJitter = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0)
        #expect(noJitter.delay(attempt: 0) == .milliseconds(100))
        #expect(noJitter.delay(attempt: 3) == .milliseconds(800))
        #expect(noJitter.delay(attempt: 40) == .seconds(1))
    }

    @Test("server error codes are classified", arguments: [
        ("WRONGPASS invalid username-password pair or user is disabled.", RedisServerError.Kind.wrongPassword),
        ("NOAUTH Authentication required.", .authenticationRequired),
        ("NOPERM this user has no permissions to run the 'config|get' command", .noPermission),
        ("READONLY You can't write against a read only replica.", .readOnly),
        ("NOSCRIPT No matching script. Please use EVAL.", .noScript),
        ("LOADING Redis is loading the dataset in memory", .loading),
        ("ERR unknown command 'CONFIG', with args beginning with: 'GET' ", .unknownCommand),
        ("NOPROTO unsupported protocol version", .protocolNotSupported),
        ("EXECABORT Transaction discarded because of previous errors.", .execAbort),
        ("ERR syntax error", .other),
    ])
    func classification(message: String, kind: RedisServerError.Kind) {
        #expect(RedisServerError(message: message, command: "X", address: nil).kind == kind)
    }

    @Test("addresses parse host:port, [v6]:port and bare hosts; bad ones name the text")
    func addresses() throws {
        #expect(try RedisAddress(parsing: "redis.example.com:6380") == RedisAddress(host: "redis.example.com", port: 6380))
        #expect(try RedisAddress(parsing: "[::1]:7000") == RedisAddress(host: "::1", port: 7000))
        #expect(try RedisAddress(parsing: "10.0.0.1") == RedisAddress(host: "10.0.0.1", port: 6379))
        #expect(RedisAddress(host: "::1", port: 7000).description == "[::1]:7000")
        #expect(throws: RedisAddressError(text: "host:notaport")) { try RedisAddress(parsing: "host:notaport") }
        #expect(throws: RedisAddressError(text: "host:70000")) { try RedisAddress(parsing: "host:70000") }
    }

    @Test("secrets never print")
    func secrets() {
        let secret = RedisSecret("hunter2")
        let configuration = RedisConnectionConfiguration(username: "u", password: secret)
        #expect("\(secret)" == "<redacted>")
        #expect(!String(describing: configuration).contains("hunter2"))
        #expect(!String(reflecting: configuration).contains("hunter2"))
    }

    @Test("ROLE replies of masters, replicas and sentinels parse")
    func roles() throws {
        let master = try RESPToken(validating: .init(string: "*3\r\n$6\r\nmaster\r\n:3129659\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n9001\r\n$7\r\n3129242\r\n"))
        #expect(RedisRole(master) == .master(replicationOffset: 3_129_659, replicas: [
            .init(address: RedisAddress(host: "127.0.0.1", port: 9001), replicationOffset: 3_129_242),
        ]))
        let replica = try RESPToken(validating: .init(string: "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:9000\r\n$9\r\nconnected\r\n:3167038\r\n"))
        #expect(RedisRole(replica) == .replica(master: RedisAddress(host: "127.0.0.1", port: 9000), linkState: "connected", replicationOffset: 3_167_038))
        let sentinel = try RESPToken(validating: .init(string: "*2\r\n$8\r\nsentinel\r\n*1\r\n$8\r\nmymaster\r\n"))
        #expect(RedisRole(sentinel) == .sentinel(masterNames: ["mymaster"]))
    }
}

/// Cycles through evenly spread values, so jitter bounds are exercised at both ends.
struct FixedGenerator: RandomNumberGenerator {
    var state: UInt64 = 0
    mutating func next() -> UInt64 {
        state &+= 0x1999_9999_9999_9999
        return state
    }
}

@Suite("Redis endpoints")
struct RedisEndpointTests {
    @Test("host:port, redis:// and rediss:// parse; rediss:// selects TLS with default settings")
    func schemes() throws {
        #expect(try RedisEndpoint(parsing: "redis.example.com:6380") == RedisEndpoint(address: .init(host: "redis.example.com", port: 6380)))
        #expect(try RedisEndpoint(parsing: "rediss://master.cache.amazonaws.com:6379/").scheme == .rediss)
        #expect(try RedisEndpoint(parsing: "REDIS://[::1]").address == RedisAddress(host: "::1", port: 6379))
        #expect(try RedisEndpoint(parsing: "rediss://10.0.0.1:6380").description == "rediss://10.0.0.1:6380")
        let tls = try RedisEndpoint.transport(for: [RedisEndpoint(parsing: "rediss://127.0.0.1:6380")], tls: nil)
        #expect(tls.name == "tls")
        let plain = try RedisEndpoint.transport(for: [RedisEndpoint(parsing: "127.0.0.1:6379")], tls: nil)
        #expect(plain.name == "tcp")
    }

    @Test("credentials, paths and unknown schemes are refused; the password never appears in the error")
    func refused() throws {
        let error = try #require(throws: RedisAddressError.self) { try RedisEndpoint(parsing: "rediss://app:s3cret@cache:6379") }
        #expect(!error.description.contains("s3cret"))
        #expect(error.description.contains("redis.passwordFile"))
        #expect(throws: RedisAddressError.self) { try RedisEndpoint(parsing: "redis://cache:6379/2") }
        #expect(throws: RedisAddressError.self) { try RedisEndpoint(parsing: "http://cache:6379") }
        #expect(throws: TLSError.self) {
            try RedisEndpoint.transport(for: [RedisEndpoint(parsing: "redis://a:6379")], tls: TLSConfiguration())
        }
    }
}

@Suite("Sentinel TLS setting")
struct SentinelTLSSettingTests {
    @Test("unset inherits the data nodes' TLS; false is plaintext; its own settings win")
    func resolution() {
        let dataNodes = TLSConfiguration(caFile: "/etc/redis/ca.crt")
        let own = TLSConfiguration(caFile: "/etc/sentinel/ca.crt", settingsPath: "redis.sentinel.tls")
        #expect(SentinelTLSSetting.inherit.resolve(dataNodes: dataNodes) == dataNodes)
        #expect(SentinelTLSSetting.inherit.resolve(dataNodes: nil) == nil)
        #expect(SentinelTLSSetting.disabled.resolve(dataNodes: dataNodes) == nil)
        #expect(SentinelTLSSetting.enabled(own).resolve(dataNodes: dataNodes) == own)
        #expect(SentinelTLSSetting.enabled(own).resolve(dataNodes: nil)?.caFile == "/etc/sentinel/ca.crt")
    }
}

@Suite("Sentinel list, address map and replica entries")
struct SentinelUnitTests {
    let a = RedisAddress(host: "10.0.0.1", port: 26379)
    let b = RedisAddress(host: "10.0.0.2", port: 26379)
    let c = RedisAddress(host: "10.0.0.3", port: 26379)

    @Test("the sentinel that answered moves to the front, a stale one to the back; new ones are appended once")
    func ordering() {
        var list = SentinelList([a, b, a, c])
        #expect(list.addresses == [a, b, c])
        list.promote(c)
        #expect(list.addresses == [c, a, b])
        list.demote(c)
        #expect(list.addresses == [a, b, c])
        let d = RedisAddress(host: "10.0.0.4", port: 26379)
        let learnedNew = list.merge([b, d, d])
        let learnedNothing = !list.merge([a])
        #expect(learnedNew && learnedNothing)
        #expect(list.addresses == [a, b, c, d])
    }

    @Test("the address map translates announced addresses and leaves others alone; bad entries are named")
    func addressMap() throws {
        let map = try RedisAddressMap(parsing: ["10.96.0.5:6379": "127.0.0.1:16379"])
        #expect(map.translate(RedisAddress(host: "10.96.0.5", port: 6379)) == RedisAddress(host: "127.0.0.1", port: 16379))
        #expect(map.translate(a) == a)
        #expect(throws: RedisAddressError(text: "nope:port")) { try RedisAddressMap(parsing: ["nope:port": "127.0.0.1:1"]) }
    }

    @Test("SENTINEL replicas entries: RESP2 flat arrays, flags, and health")
    func replicaEntries() throws {
        var stream = ByteBuffer(
            string: "*8\r\n$2\r\nip\r\n$8\r\n10.0.0.9\r\n$4\r\nport\r\n$4\r\n6380\r\n$5\r\nflags\r\n$12\r\nslave,s_down\r\n$18\r\nmaster-link-status\r\n$2\r\nok\r\n")
        var decoder = RESPTokenDecoder()
        let token = try #require(try decoder.decode(buffer: &stream))
        let map = RedisAddressMap([RedisAddress(host: "10.0.0.9", port: 6380): RedisAddress(host: "127.0.0.1", port: 7000)])
        let replica = try #require(SentinelReplica(token, addressMap: map))
        #expect(replica.address == RedisAddress(host: "127.0.0.1", port: 7000))
        #expect(replica.flags == ["slave", "s_down"])
        #expect(!replica.isHealthy)
        #expect(SentinelReplica(address: a, flags: ["slave"]).isHealthy)
        #expect(!SentinelReplica(address: a, flags: ["slave", "disconnected"]).isHealthy)
    }
}
