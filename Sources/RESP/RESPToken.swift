public import NIOCore

/// One complete, validated RESP2/RESP3 value, kept as a view of the bytes it was decoded from.
///
/// Decoding validates every byte once and keeps the slice; nothing is turned into Swift values until a
/// caller asks through ``value`` (one level at a time) or the conversions in `RESPToken+Conversions.swift`.
/// Aggregates are sequences over the same bytes, so an `MGET` of 60,000 keys is one buffer, not 60,000
/// allocations.
public struct RESPToken: Sendable, Hashable {
    /// The exact bytes of this value (including any RESP3 attribute that precedes it).
    public let buffer: ByteBuffer

    /// Wraps bytes that are already known to hold exactly one valid value.
    init(validated buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Validates `buffer` as exactly one complete value.
    ///
    /// - Throws: ``RESPProtocolError`` if the bytes are malformed or break `limits`; ``RESPTokenError`` if
    ///   they end before the value does or continue after it.
    public init(validating buffer: ByteBuffer, limits: RESPLimits = .default) throws {
        var scanner = RESPScanner(limits: limits)
        let length = try buffer.withUnsafeReadableBytes { bytes throws(RESPProtocolError) in try scanner.scan(bytes) }
        guard let length else { throw RESPTokenError.incomplete }
        guard length == buffer.readableBytes else { throw RESPTokenError.trailingBytes(length) }
        self.buffer = buffer
    }

    /// The elements of an array, set or push message.
    public struct Aggregate: Sequence, Sendable, Hashable {
        /// How many elements there are.
        public let count: Int
        /// The bytes of the elements, back to back.
        let elements: ByteBuffer

        public func makeIterator() -> Iterator { Iterator(reader: ValidatedValueReader(elements, count: count)) }

        /// Walks the elements in order.
        public struct Iterator: IteratorProtocol {
            var reader: ValidatedValueReader
            public mutating func next() -> RESPToken? { reader.next() }
        }
    }

    /// The key/value pairs of a map or attribute, in the order the server sent them.
    public struct Map: Sequence, Sendable, Hashable {
        /// How many pairs there are.
        public let count: Int
        let elements: ByteBuffer

        public func makeIterator() -> Iterator { Iterator(reader: ValidatedValueReader(elements, count: 2 * count)) }

        /// Walks the pairs in order.
        public struct Iterator: IteratorProtocol {
            var reader: ValidatedValueReader
            public mutating func next() -> (key: RESPToken, value: RESPToken)? {
                guard let key = reader.next(), let value = reader.next() else {
                    return nil
                }
                return (key, value)
            }
        }
    }

    /// One level of a decoded value.
    public enum Value: Sendable, Hashable {
        case simpleString(ByteBuffer)
        case simpleError(ByteBuffer)
        case bulkString(ByteBuffer)
        case bulkError(ByteBuffer)
        /// A RESP3 verbatim string: its three-letter format (`txt`, `mkd`) and its text.
        case verbatimString(format: String, ByteBuffer)
        case integer(Int64)
        case double(Double)
        case boolean(Bool)
        /// RESP3 null, RESP2 null bulk string (`$-1`) and RESP2 null array (`*-1`).
        case null
        /// A RESP3 big number, as its decimal digits.
        case bigNumber(String)
        case array(Aggregate)
        case set(Aggregate)
        case push(Aggregate)
        case map(Map)
    }

    /// The type of the value, after any attribute.
    public var type: RESPTypeIdentifier { header.type }

    /// The value, decoded one level deep.
    public var value: Value {
        let header = self.header
        var rest = buffer
        rest.moveReaderIndex(forwardBy: header.payloadStart)
        switch header.type {
        case .simpleString: return .simpleString(header.line(in: buffer))
        case .simpleError: return .simpleError(header.line(in: buffer))
        case .integer: return .integer(header.number)
        case .double:
            let text = String(buffer: header.line(in: buffer))
            switch text.lowercased() {
            case "inf", "+inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan", "-nan": return .double(.nan)
            default: return .double(Double(text) ?? .nan)
            }
        case .boolean:
            return .boolean(buffer.getInteger(at: buffer.readerIndex + header.lineStart, as: UInt8.self) == UInt8(ascii: "t"))
        case .null: return .null
        case .bigNumber: return .bigNumber(String(buffer: header.line(in: buffer)))
        case .bulkString:
            if header.number < 0 { return .null }
            return .bulkString(rest.readSlice(length: Int(header.number))!)  // validated length
        case .bulkError:
            return .bulkError(rest.readSlice(length: Int(header.number))!)
        case .verbatimString:
            var payload = rest.readSlice(length: Int(header.number))!
            let format = payload.readString(length: 3)!
            payload.moveReaderIndex(forwardBy: 1)
            return .verbatimString(format: format, payload)
        case .array:
            if header.number < 0 { return .null }
            return .array(Aggregate(count: Int(header.number), elements: rest))
        case .set: return .set(Aggregate(count: Int(header.number), elements: rest))
        case .push: return .push(Aggregate(count: Int(header.number), elements: rest))
        case .map: return .map(Map(count: Int(header.number), elements: rest))
        case .attribute:
            preconditionFailure("header skips attributes")
        }
    }

    /// The RESP3 attribute that came before the value, if the server sent one.
    public var attributes: Map? {
        guard buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == RESPTypeIdentifier.attribute.rawValue else {
            return nil
        }
        let header = Self.readHeader(buffer, at: 0)
        var rest = buffer
        rest.moveReaderIndex(forwardBy: header.payloadStart)
        return Map(count: Int(header.number), elements: rest)
    }
}

/// A buffer handed to ``RESPToken/init(validating:limits:)`` that is not exactly one value.
public enum RESPTokenError: Error, Sendable, Hashable {
    /// The bytes end before the value does.
    case incomplete
    /// The value ends after this many bytes, and more bytes follow.
    case trailingBytes(Int)
}

// MARK: - Reading validated bytes

extension RESPToken {
    /// Where the parts of one value's first line are, relative to the token's reader index.
    struct Header {
        var type: RESPTypeIdentifier
        /// Offset of the first byte after the type byte.
        var lineStart: Int
        /// Offset of the CR that ends the first line.
        var lineEnd: Int
        /// The line read as an integer, for integers, lengths and counts (0 otherwise).
        var number: Int64
        /// Offset of the first byte after the first line.
        var payloadStart: Int { lineEnd + 2 }

        func line(in buffer: ByteBuffer) -> ByteBuffer {
            buffer.getSlice(at: buffer.readerIndex + lineStart, length: lineEnd - lineStart)!
        }
    }

    /// The header of the value itself, skipping attributes in front of it.
    var header: Header {
        var offset = 0
        while true {
            let header = Self.readHeader(buffer, at: offset)
            guard header.type == .attribute else { return header }
            // Skip the attribute map: 2 × count elements after its header.
            var rest = buffer
            rest.moveReaderIndex(forwardBy: header.payloadStart)
            for _ in 0..<(2 * Int(header.number)) { _ = rest.readValidatedToken() }
            offset = rest.readerIndex - buffer.readerIndex
        }
    }

    static func readHeader(_ buffer: ByteBuffer, at offset: Int) -> Header {
        buffer.withUnsafeReadableBytes { bytes in
            let type = RESPTypeIdentifier(byte: bytes[offset])!  // validated
            if type.hasIntegerLine, let quick = RESPScanner.quickIntegerLine(bytes, from: offset + 1, limit: .max) {
                return Header(type: type, lineStart: offset + 1, lineEnd: quick.lineEnd, number: quick.value)
            }
            let lineEnd = try! RESPScanner.findLineEnd(bytes, from: offset + 1, limit: .max)!  // validated
            var number: Int64 = 0
            if type.hasIntegerLine { number = (try? RESPScanner.parseInteger(bytes, offset + 1, lineEnd)) ?? 0 }
            return Header(type: type, lineStart: offset + 1, lineEnd: lineEnd, number: number)
        }
    }
}

extension ByteBuffer {
    /// Reads one value from bytes that were validated as part of an enclosing token.
    mutating func readValidatedToken() -> RESPToken? {
        guard readableBytes > 0 else { return nil }
        let length = withUnsafeReadableBytes { RESPScanner.validatedLength($0) }
        guard let slice = readSlice(length: length) else { return nil }
        return RESPToken(validated: slice)
    }
}
