import NIOCore
import TestSupport
import Testing

@testable import RESP

/// Decodes `bytes` delivered in `chunks` (split points), the way `ByteToMessageHandler` drives a decoder:
/// append each chunk, then decode until the decoder asks for more.
func decodeStream(_ chunks: [[UInt8]], limits: RESPLimits = .default) throws -> [RESPToken] {
    var decoder = RESPTokenDecoder(limits: limits)
    var buffer = ByteBuffer()
    var tokens: [RESPToken] = []
    for chunk in chunks {
        buffer.writeBytes(chunk)
        while let token = try decoder.decode(buffer: &buffer) { tokens.append(token) }
        buffer.discardReadBytes()
    }
    return tokens
}

func decodeOne(_ text: String, limits: RESPLimits = .default) throws -> RESPToken {
    let tokens = try decodeStream([Array(text.utf8)], limits: limits)
    try #require(tokens.count == 1, "expected one token from \(text.debugDescription), got \(tokens.count)")
    return tokens[0]
}

func protocolError(_ text: String, limits: RESPLimits = .default) -> RESPProtocolError? {
    do {
        _ = try decodeStream([Array(text.utf8)], limits: limits)
        return nil
    } catch let error as RESPProtocolError {
        return error
    } catch {
        return nil
    }
}

@Suite("RESP decoding")
struct RESPDecodingTests {
    @Test("every RESP3 scalar type decodes to its value")
    func scalars() throws {
        #expect(try decodeOne("+OK\r\n").value == .simpleString(ByteBuffer(string: "OK")))
        #expect(try decodeOne("-ERR wrong\r\n").value == .simpleError(ByteBuffer(string: "ERR wrong")))
        #expect(try decodeOne(":-42\r\n").value == .integer(-42))
        #expect(try decodeOne(":+7\r\n").value == .integer(7))
        #expect(try decodeOne(":9223372036854775807\r\n").value == .integer(.max))
        #expect(try decodeOne("$5\r\nhe\r\no\r\n").value == .bulkString(ByteBuffer(string: "he\r\no")))
        #expect(try decodeOne("$0\r\n\r\n").value == .bulkString(ByteBuffer()))
        #expect(try decodeOne("$-1\r\n").value == .null)
        #expect(try decodeOne("*-1\r\n").value == .null)
        #expect(try decodeOne("_\r\n").value == .null)
        #expect(try decodeOne("#t\r\n").value == .boolean(true))
        #expect(try decodeOne("#f\r\n").value == .boolean(false))
        #expect(try decodeOne(",3.25\r\n").value == .double(3.25))
        #expect(try decodeOne(",-1.5e3\r\n").value == .double(-1500))
        #expect(try decodeOne(",inf\r\n").value == .double(.infinity))
        #expect(try decodeOne(",-inf\r\n").value == .double(-.infinity))
        #expect(try decodeOne(",nan\r\n").double?.isNaN == true)
        #expect(try decodeOne("(3492890328409238509324850943850943825024385\r\n").value
            == .bigNumber("3492890328409238509324850943850943825024385"))
        #expect(try decodeOne("!21\r\nSYNTAX invalid syntax\r\n").value == .bulkError(ByteBuffer(string: "SYNTAX invalid syntax")))
        #expect(try decodeOne("=15\r\ntxt:Some string\r\n").value == .verbatimString(format: "txt", ByteBuffer(string: "Some string")))
    }

    @Test("aggregates: arrays, sets, maps, pushes, nested, with attributes")
    func aggregates() throws {
        let array = try decodeOne("*3\r\n:1\r\n$3\r\nfoo\r\n*2\r\n+a\r\n_\r\n")
        let elements = try #require(array.array)
        #expect(elements.count == 3)
        #expect(elements[0].int == 1)
        #expect(elements[1].string == "foo")
        #expect(elements[2].array?.map(\.description) == ["a", "(nil)"])

        let set = try decodeOne("~2\r\n+x\r\n+y\r\n")
        guard case .set(let members) = set.value else { Issue.record("not a set: \(set)"); return }
        #expect(members.compactMap(\.string) == ["x", "y"])

        let map = try decodeOne("%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n#t\r\n")
        let pairs = try #require(map.pairs)
        #expect(pairs.map { $0.key.string! } == ["first", "second"])
        #expect(pairs[0].value.int == 1)
        #expect(pairs[1].value.bool == true)

        let push = try decodeOne(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n")
        #expect(push.type == .push)
        #expect(push.array?.compactMap(\.string) == ["message", "ch", "hello"])

        #expect(try decodeOne("*0\r\n").array?.isEmpty == true)
        #expect(try decodeOne("%0\r\n").pairs?.isEmpty == true)

        // An attribute annotates the value after it and is not counted as an element.
        let attributed = try decodeOne("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n")
        #expect(attributed.type == .array)
        #expect(attributed.array?.compactMap(\.int) == [2039123, 9543892])
        #expect(attributed.attributes.map { Array($0) }?.first?.key.string == "key-popularity")
        let nestedAttribute = try decodeOne("*2\r\n|1\r\n+ttl\r\n:3600\r\n+value\r\n:5\r\n")
        #expect(nestedAttribute.array?.map(\.description) == ["value", "(integer) 5"])
    }

    @Test("a stream of several replies split at every byte boundary decodes the same")
    func everySplitPoint() throws {
        let stream = Array(Self.mixedStream.utf8)
        let whole = try decodeStream([stream])
        #expect(whole.count == 16)
        for split in 0...stream.count {
            let parts = try decodeStream([Array(stream[..<split]), Array(stream[split...])])
            #expect(parts == whole, "split at byte \(split)")
        }
        for (first, second) in [(1, 2), (5, 40), (17, 18), (60, 61)] where second < stream.count {
            let three = try decodeStream([Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])])
            #expect(three == whole, "split at bytes \(first) and \(second)")
        }
        let byteByByte = try decodeStream(stream.map { [$0] })
        #expect(byteByByte == whole)
    }

    static let mixedStream =
        "+OK\r\n-ERR no\r\n:12\r\n$3\r\nbar\r\n$-1\r\n*-1\r\n_\r\n#t\r\n,1.5\r\n(123\r\n!3\r\nbad\r\n=7\r\ntxt:abc\r\n"
        + "*2\r\n*1\r\n:1\r\n~1\r\n+s\r\n%1\r\n+k\r\n$1\r\nv\r\n>2\r\n+pubsub\r\n+x\r\n|1\r\n+a\r\n+b\r\n:99\r\n"

    @Test("nesting depth is bounded")
    func depthLimit() throws {
        let limits = RESPLimits(maxDepth: 4)
        #expect(try decodeOne(String(repeating: "*1\r\n", count: 4) + ":1\r\n", limits: limits).type == .array)
        let tooDeep = protocolError(String(repeating: "*1\r\n", count: 5) + ":1\r\n", limits: limits)
        #expect(tooDeep?.kind == .nestingTooDeep(limit: 4))
        // The default limit stops a hostile server long before the stack could matter.
        let hostile = protocolError(String(repeating: "*1\r\n", count: 100_000))
        #expect(hostile?.kind == .nestingTooDeep(limit: RESPLimits.default.maxDepth))
    }

    @Test("bulk length, aggregate size and line length are bounded")
    func sizeLimits() throws {
        let limits = RESPLimits(maxBulkLength: 10, maxAggregateCount: 3, maxLineLength: 8)
        #expect(try decodeOne("$10\r\n0123456789\r\n", limits: limits).string == "0123456789")
        #expect(protocolError("$11\r\n01234567890\r\n", limits: limits)?.kind == .bulkTooLong(length: 11, limit: 10))
        // Refused from the header alone, before the bytes arrive.
        #expect(protocolError("$9999999\r\n", limits: limits)?.kind == .bulkTooLong(length: 9_999_999, limit: 10))
        #expect(protocolError("*4\r\n", limits: limits)?.kind == .aggregateTooLarge(count: 4, limit: 3))
        #expect(protocolError("%4\r\n", limits: limits)?.kind == .aggregateTooLarge(count: 4, limit: 3))
        #expect(protocolError("+123456789", limits: limits)?.kind == .lineTooLong(limit: 8))
        #expect(try decodeOne("+12345678\r\n", limits: limits).string == "12345678")
    }

    @Test("malformed input gives a typed error", arguments: [
        ("?what\r\n", RESPProtocolError.Kind.invalidTypeIdentifier(UInt8(ascii: "?"))),
        (":12a\r\n", .invalidInteger),
        (":\r\n", .invalidInteger),
        (":99999999999999999999\r\n", .invalidInteger),
        ("$abc\r\n", .invalidInteger),
        ("$-2\r\n", .invalidLength(-2)),
        ("!-1\r\n", .invalidLength(-1)),
        ("%-1\r\n", .invalidLength(-1)),
        ("$3\r\nfooXY", .missingBulkTerminator),
        ("#x\r\n", .invalidBoolean),
        (",1.2.3\r\n", .invalidDouble),
        (",0x10\r\n", .invalidDouble),
        ("_x\r\n", .invalidNull),
        ("(12a\r\n", .invalidBigNumber),
        ("=2\r\nab\r\n", .invalidVerbatimString),
        ("+OK\rX", .invalidLineTerminator),
        ("+OK\n", .invalidLineTerminator),
        ("$?\r\n", .streamedValueUnsupported),
    ])
    func malformed(input: String, kind: RESPProtocolError.Kind) {
        #expect(protocolError(input)?.kind == kind, "\(input.debugDescription)")
    }

    @Test("incomplete input asks for more bytes instead of failing")
    func incomplete() throws {
        for prefix in ["", "+O", "+OK\r", "$5\r\nhel", "*2\r\n:1\r\n", "%1\r\n+k\r\n", "|1\r\n+a\r\n+b\r\n"] {
            #expect(try decodeStream([Array(prefix.utf8)]).isEmpty, "\(prefix.debugDescription)")
        }
    }

    @Test("RESPToken(validating:) rejects incomplete and trailing bytes")
    func validatingInit() throws {
        #expect(try RESPToken(validating: ByteBuffer(string: ":1\r\n")).int == 1)
        #expect(throws: RESPTokenError.incomplete) { try RESPToken(validating: ByteBuffer(string: ":1\r")) }
        #expect(throws: RESPTokenError.trailingBytes(4)) { try RESPToken(validating: ByteBuffer(string: ":1\r\n:2\r\n")) }
    }

    @Test("thousands of seeded random and mutated inputs end in values or typed errors only")
    func randomGarbage() throws {
        var generator = SplitMix64(seed: 0x7EAF_1C00)
        let valid = Array(Self.mixedStream.utf8)
        let alphabet = Array("+-:$*_#,(!=%~|>\r\n0123456789-?tfabc.".utf8)
        var values = 0
        var errors = 0
        var incomplete = 0
        for round in 0..<6_000 {
            var input: [UInt8]
            switch round % 3 {
            case 0:  // uniform random bytes
                input = (0..<Int.random(in: 1...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case 1:  // random RESP-ish tokens
                input = (0..<Int.random(in: 1...96, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            default:  // a valid stream with a few bytes flipped, dropped or duplicated
                input = valid
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let index = Int.random(in: 0..<input.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: input[index] = UInt8.random(in: 0...255, using: &generator)
                    case 1: input.remove(at: index)
                    default: input.insert(input[index], at: index)
                    }
                }
            }
            let split = Int.random(in: 0...input.count, using: &generator)
            do {
                let tokens = try decodeStream([Array(input[..<split]), Array(input[split...])])
                values += tokens.count
                // Every token must be readable all the way down without trapping.
                for token in tokens { _ = token.description }
                if tokens.isEmpty { incomplete += 1 }
            } catch is RESPProtocolError {
                errors += 1
            }
        }
        #expect(values > 1_000)
        #expect(errors > 1_000)
        #expect(incomplete > 0)
    }

    @Test("a large aggregate arriving in many small reads decodes in linear time")
    func largeAggregateInChunks() throws {
        var stream = "*60000\r\n"
        for index in 0..<60_000 {
            let digits = String(index)
            stream += "$10\r\nvalue\(String(repeating: "0", count: 5 - digits.count))\(digits)\r\n"
        }
        let bytes = Array(stream.utf8)
        let chunks = stride(from: 0, to: bytes.count, by: 1024).map { Array(bytes[$0..<min($0 + 1024, bytes.count)]) }
        let tokens = try decodeStream(chunks)
        #expect(tokens.count == 1)
        let values = try #require(tokens.first?.array)
        #expect(values.count == 60_000)
        #expect(values.last?.string == "value59999")
    }
}
