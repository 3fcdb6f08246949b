public import NIOCore

/// Conversions from a token to the Swift types commands need. Each returns `nil` when the token is of a
/// type that cannot be read that way, so callers can turn a surprise into a typed "unexpected reply" error.
extension RESPToken {
    /// True for RESP3 null and the RESP2 null bulk string and null array.
    public var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// The text of a simple string, bulk string or verbatim string (UTF-8, invalid bytes repaired).
    public var string: String? {
        switch value {
        case .simpleString(let bytes), .bulkString(let bytes), .verbatimString(_, let bytes):
            return String(buffer: bytes)
        case .integer(let number):
            return String(number)
        case .double(let number):
            return String(number)
        case .bigNumber(let digits):
            return digits
        default:
            return nil
        }
    }

    /// The raw bytes of a simple, bulk or verbatim string.
    public var bytes: ByteBuffer? {
        switch value {
        case .simpleString(let bytes), .bulkString(let bytes), .verbatimString(_, let bytes): bytes
        default: nil
        }
    }

    /// An integer reply, or a string reply that holds a decimal integer (RESP2 servers send some numbers as
    /// bulk strings).
    public var int: Int64? {
        switch value {
        case .integer(let number): return number
        case .simpleString(let bytes), .bulkString(let bytes): return Int64(String(buffer: bytes))
        case .boolean(let flag): return flag ? 1 : 0
        default: return nil
        }
    }

    /// A double reply, or a string or integer that holds a number.
    public var double: Double? {
        switch value {
        case .double(let number): number
        case .integer(let number): Double(number)
        case .simpleString(let bytes), .bulkString(let bytes): Double(String(buffer: bytes))
        default: nil
        }
    }

    /// A RESP3 boolean, or a RESP2 integer 0/1.
    public var bool: Bool? {
        switch value {
        case .boolean(let flag): flag
        case .integer(let number): number != 0
        default: nil
        }
    }

    /// The elements of an array, set or push message.
    public var array: [RESPToken]? {
        switch value {
        case .array(let elements), .set(let elements), .push(let elements): Array(elements)
        default: nil
        }
    }

    /// The pairs of a RESP3 map, or of a RESP2 array of alternating keys and values.
    public var pairs: [(key: RESPToken, value: RESPToken)]? {
        switch value {
        case .map(let map):
            return Array(map)
        case .array(let elements):
            guard elements.count % 2 == 0 else { return nil }
            var result: [(key: RESPToken, value: RESPToken)] = []
            result.reserveCapacity(elements.count / 2)
            var iterator = elements.makeIterator()
            while let key = iterator.next(), let value = iterator.next() { result.append((key, value)) }
            return result
        default:
            return nil
        }
    }

    /// The message of a simple or bulk error, `nil` for any other type.
    public var errorMessage: String? {
        switch value {
        case .simpleError(let bytes), .bulkError(let bytes): String(buffer: bytes)
        default: nil
        }
    }
}

extension RESPToken: CustomStringConvertible {
    /// A readable rendering for diagnostics (strings quoted, aggregates bracketed).
    public var description: String {
        switch value {
        case .simpleString(let bytes): return String(buffer: bytes)
        case .simpleError(let bytes), .bulkError(let bytes): return "(error) \(String(buffer: bytes))"
        case .bulkString(let bytes): return "\"\(String(buffer: bytes))\""
        case .verbatimString(let format, let bytes): return "\(format):\(String(buffer: bytes))"
        case .integer(let number): return "(integer) \(number)"
        case .double(let number): return "(double) \(number)"
        case .boolean(let flag): return flag ? "(true)" : "(false)"
        case .null: return "(nil)"
        case .bigNumber(let digits): return "(big number) \(digits)"
        case .array(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .set(let elements): return "set[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .push(let elements): return "push[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .map(let map): return "{" + map.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
