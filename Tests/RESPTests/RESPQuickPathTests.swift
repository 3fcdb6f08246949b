import NIOCore
import Testing

@testable import RESP

/// The decoder reads integers and bulk strings inside aggregates on a quick path, and walks aggregates in
/// batches. These tests hold both to the general path's answers: the same values, the same errors at the same
/// offsets, the same requests for more bytes.
@Suite("RESP quick paths")
struct RESPQuickPathTests {
    /// Elements that reach every exit of the quick path: valid forms, signs, 18 and 19 digits, overflow,
    /// malformed digits and terminators, null and negative lengths, a bad bulk terminator, a streamed length.
    static let elements = [
        ":123", ":-5", ":+7", ":0", ":123456789012345678", ":9223372036854775807", ":-9223372036854775808",
        ":9223372036854775808", ":99999999999999999999", ":-", ":", ":1a", ":1\n", ":1\rx", ":\r",
        "$3\r\nabc", "$0\r\n", "$-1", "$-2", "$3\r\nabcd", "$3\r\nab\rx", "$?", "$+3\r\nabc", "$12\r\n0123456789ab",
        "+OK", "*1\r\n:5", "_",
    ]

    /// What decoding one input gave: a value (as its description), an error kind and offset, or "need more".
    enum Outcome: Equatable {
        case value(String)
        case error(RESPProtocolError.Kind, offset: Int)
        case incomplete
    }

    static func outcome(_ text: String, limits: RESPLimits) -> Outcome {
        do {
            let tokens = try decodeStream([Array(text.utf8)], limits: limits)
            guard let token = tokens.first else { return .incomplete }
            return .value(token.description)
        } catch let error as RESPProtocolError {
            return .error(error.kind, offset: error.offset)
        } catch {
            return .value("unexpected \(error)")
        }
    }

    @Test("an element inside an aggregate decodes as it does alone", arguments: [
        RESPLimits.default, RESPLimits(maxBulkLength: 10, maxLineLength: 4),
    ])
    func sameAnswersAsTheGeneralPath(limits: RESPLimits) {
        for element in Self.elements {
            let alone = Self.outcome(element + "\r\n", limits: limits)
            // First of three elements (the quick path), and last (the general path).
            let first = Self.outcome("*3\r\n" + element + "\r\n:1\r\n:2\r\n", limits: limits)
            let last = Self.outcome("*3\r\n:1\r\n:2\r\n" + element + "\r\n", limits: limits)
            switch alone {
            case .value(let description):
                #expect(first == .value("[\(description), (integer) 1, (integer) 2]"), "\(element.debugDescription) first")
                #expect(last == .value("[(integer) 1, (integer) 2, \(description)]"), "\(element.debugDescription) last")
            case .error(let kind, let offset):
                #expect(first == .error(kind, offset: offset + 4), "\(element.debugDescription) first")
                #expect(last == .error(kind, offset: offset + 12), "\(element.debugDescription) last")
            case .incomplete:
                Issue.record("\(element.debugDescription) alone should be complete or wrong")
            }
        }
    }

    /// An aggregate long enough for the quick path and several batches, with everything the quick path leaves
    /// to the general path mixed in (nested aggregates, maps, attributes, nulls, other scalar types).
    static let longStream: [UInt8] = {
        var text = "*150\r\n"
        for index in 0..<150 {
            switch index % 10 {
            case 0: text += "*2\r\n:\(index)\r\n$1\r\nx\r\n"
            case 1: text += "%1\r\n+k\r\n:\(index)\r\n"
            case 2: text += "|1\r\n+ttl\r\n:3\r\n$2\r\nab\r\n"
            case 3: text += "$-1\r\n"
            case 4: text += "+s\(index)\r\n"
            case 5: text += "#t\r\n"
            default: text += index.isMultiple(of: 2) ? ":-\(index)\r\n" : "$\(String(index).utf8.count)\r\n\(index)\r\n"
            }
        }
        text += "%70\r\n"
        for index in 0..<70 { text += "$2\r\nk\(index % 10)\r\n:\(index)\r\n" }
        return Array(text.utf8)
    }()

    @Test("long aggregates split at every byte boundary decode the same")
    func everySplitPoint() throws {
        let whole = try decodeStream([Self.longStream])
        #expect(whole.count == 2)
        for split in 1..<Self.longStream.count {
            let parts = try decodeStream([Array(Self.longStream[..<split]), Array(Self.longStream[split...])])
            #expect(parts == whole, "split at byte \(split)")
        }
        #expect(try decodeStream(Self.longStream.map { [$0] }) == whole)
    }

    @Test("walking an aggregate in batches visits every element in order", arguments: [1, 2, 63, 64, 65, 128, 129, 300])
    func batchedIteration(count: Int) throws {
        // Integers, bulk strings and nested arrays, so batch boundaries fall on every kind of element.
        var text = "*\(count)\r\n"
        for index in 0..<count {
            switch index % 3 {
            case 0: text += ":\(index)\r\n"
            case 1: text += "$\(String(index).utf8.count)\r\n\(index)\r\n"
            default: text += "*2\r\n:\(index)\r\n*1\r\n$1\r\nz\r\n"
            }
        }
        let elements = try #require(try decodeOne(text).array)
        #expect(elements.count == count)
        for (index, element) in elements.enumerated() {
            switch index % 3 {
            case 0: #expect(element.int == Int64(index))
            case 1: #expect(element.string == String(index))
            default: #expect(element.description == "[(integer) \(index), [\"z\"]]")
            }
        }
        // Pairs of a map cross batch boundaries too.
        var map = "%\(count)\r\n"
        for index in 0..<count { map += "+k\(index)\r\n:\(index)\r\n" }
        guard case .map(let pairs) = try decodeOne(map).value else {
            Issue.record("not a map")
            return
        }
        let read = pairs.map { ($0.key.string ?? "?", $0.value.int ?? -1) }
        #expect(read.map(\.0) == (0..<count).map { "k\($0)" })
        #expect(read.map(\.1) == (0..<count).map { Int64($0) })
    }

    @Test("the type byte table agrees with the enum's raw values")
    func typeIdentifiers() {
        for byte in UInt8.min...UInt8.max {
            #expect(RESPTypeIdentifier(byte: byte) == RESPTypeIdentifier(rawValue: byte), "byte \(byte)")
        }
    }
}
