import NIOCore
import Testing

@testable import RESP

@Suite("RESP command encoding")
struct RESPCommandTests {
    @Test("commands are encoded as arrays of bulk strings")
    func encoding() {
        var buffer = ByteBuffer()
        RESPCommand("SET", "key", .string("välue"), "PX", .integer(-1500)).encode(into: &buffer)
        RESPCommand("GET", .bytes(ByteBuffer(bytes: [0, 13, 10]))).encode(into: &buffer)
        #expect(
            String(buffer: buffer)
                == "*5\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvälue\r\n$2\r\nPX\r\n$5\r\n-1500\r\n*2\r\n$3\r\nGET\r\n$3\r\n\0\r\n\r\n")
    }

    @Test("integers of every size are written in decimal", arguments: [Int64.min, -10, -1, 0, 1, 9, 10, 123_456_789, .max])
    func decimal(_ value: Int64) {
        var buffer = ByteBuffer()
        buffer.writeDecimal(value)
        #expect(String(buffer: buffer) == String(value))
    }

    @Test("names include the subcommand of container commands and never the arguments")
    func names() {
        #expect(RESPCommand("config", "get", "notify-keyspace-events").name == "CONFIG GET")
        #expect(RESPCommand("AUTH", "user", "secret").name == "AUTH")
        #expect(RESPCommand("set", "k", "v").name == "SET")
    }

    @Test("an encoded command decodes back as the same array")
    func roundTrip() throws {
        var buffer = ByteBuffer()
        RESPCommand("HSET", "h", "f", "v").encode(into: &buffer)
        let token = try RESPToken(validating: buffer)
        #expect(token.array?.compactMap(\.string) == ["HSET", "h", "f", "v"])
    }
}
