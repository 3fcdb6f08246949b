/// Finds where one complete RESP value ends, validating every byte on the way, without recursion and without
/// allocating per element.
///
/// The scanner is resumable: when the bytes end in the middle of a value it keeps its position and the stack
/// of open aggregates, so that the next call, given the same bytes plus more, continues where it stopped
/// instead of starting over. This keeps decoding linear even when a large reply arrives in many reads.
struct RESPScanner: Sendable {
    /// An aggregate whose elements are still being scanned.
    private struct Frame: Sendable {
        var remaining: Int
        /// An attribute annotates the value after it, so it does not count as an element of its parent.
        var isAttribute: Bool
    }

    private let limits: RESPLimits
    /// Where the next element header starts, relative to the start of the value being scanned.
    private var offset = 0
    /// The innermost open aggregate. It is kept apart from `enclosing` so that counting off an element, which
    /// happens once per element, touches no array (the array's uniqueness check was 4 % of decoding).
    private var innermost: Frame?
    /// The open aggregates around `innermost`, outermost first.
    private var enclosing: [Frame] = []

    init(limits: RESPLimits) {
        self.limits = limits
    }

    /// Forgets any partial progress (after an error, or before scanning unrelated bytes).
    mutating func reset() {
        offset = 0
        innermost = nil
        enclosing.removeAll(keepingCapacity: true)
    }

    /// Returns the length in bytes of the complete value at the start of `bytes`, or `nil` if more bytes are
    /// needed. `bytes` must begin with the same bytes as on the previous call that returned `nil`.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) throws(RESPProtocolError) -> Int? {
        do {
            while true {
                skipPlainElements(bytes)
                guard let step = try scanElementHeader(bytes) else { return nil }
                switch step {
                case .openedAggregate:
                    continue
                case .consumedAttributePrefix:
                    continue
                case .completedElement:
                    if completeElement() {
                        let length = offset
                        reset()
                        return length
                    }
                }
            }
        } catch {
            reset()
            throw error
        }
    }

    private enum Step {
        case completedElement
        case openedAggregate
        case consumedAttributePrefix
    }

    /// Skips, in one tight loop, the integers and bulk strings that come next inside the innermost aggregate, as
    /// long as each is complete and in its common valid form. It stops at anything else, which the general path
    /// then reads (and reports, if it is wrong), and before the aggregate's last element, whose completion may
    /// close aggregates. The checks are the general path's: an array of integers or an `MGET` reply is
    /// validated as strictly, without a call and a step per element.
    @inline(__always)
    private mutating func skipPlainElements(_ bytes: UnsafeRawBufferPointer) {
        guard var frame = innermost, frame.remaining > 1 else { return }
        let count = bytes.count
        let maxLineLength = limits.maxLineLength
        let maxBulkLength = Int64(limits.maxBulkLength)
        var position = offset
        while frame.remaining > 1, position < count {
            let type = bytes[position]
            if type == RESPTypeIdentifier.integer.rawValue {
                guard let line = Self.quickIntegerLine(bytes, from: position + 1, limit: maxLineLength) else { break }
                position = line.lineEnd + 2
            } else if type == RESPTypeIdentifier.bulkString.rawValue {
                guard let line = Self.quickIntegerLine(bytes, from: position + 1, limit: maxLineLength),
                      line.value >= 0, line.value <= maxBulkLength
                else { break }
                let payloadEnd = line.lineEnd + 2 + Int(line.value)
                guard payloadEnd + 2 <= count, bytes[payloadEnd] == 0x0D, bytes[payloadEnd + 1] == 0x0A else { break }
                position = payloadEnd + 2
            } else {
                break
            }
            frame.remaining -= 1
        }
        offset = position
        innermost = frame
    }

    /// Marks one element as complete; returns true when that completes the top-level value.
    private mutating func completeElement() -> Bool {
        while var frame = innermost {
            frame.remaining -= 1
            if frame.remaining > 0 {
                innermost = frame
                return false
            }
            innermost = enclosing.popLast()
            if frame.isAttribute { return false }
        }
        return true
    }

    private mutating func scanElementHeader(_ bytes: UnsafeRawBufferPointer) throws(RESPProtocolError) -> Step? {
        let start = offset
        guard start < bytes.count else { return nil }
        guard let type = RESPTypeIdentifier(byte: bytes[start]) else {
            throw RESPProtocolError(.invalidTypeIdentifier(bytes[start]), at: start)
        }
        let lineStart = start + 1
        let lineEnd: Int
        // Integers, lengths and counts: the common, valid case is read in one pass. Anything else (incomplete,
        // malformed, long) takes the general path, which reports each problem exactly.
        let quickNumber = type.hasIntegerLine
            ? Self.quickIntegerLine(bytes, from: lineStart, limit: limits.maxLineLength) : nil
        if let quickNumber {
            lineEnd = quickNumber.lineEnd
        } else {
            guard let end = try Self.findLineEnd(bytes, from: lineStart, limit: limits.maxLineLength) else { return nil }
            lineEnd = end
        }
        let afterLine = lineEnd + 2

        switch type {
        case .simpleString, .simpleError:
            offset = afterLine
            return .completedElement

        case .integer:
            if quickNumber == nil { _ = try Self.parseInteger(bytes, lineStart, lineEnd) }
            offset = afterLine
            return .completedElement

        case .double:
            guard Self.isValidDouble(bytes, lineStart, lineEnd) else {
                throw RESPProtocolError(.invalidDouble, at: lineStart)
            }
            offset = afterLine
            return .completedElement

        case .boolean:
            guard lineEnd - lineStart == 1, bytes[lineStart] == UInt8(ascii: "t") || bytes[lineStart] == UInt8(ascii: "f")
            else { throw RESPProtocolError(.invalidBoolean, at: lineStart) }
            offset = afterLine
            return .completedElement

        case .null:
            guard lineEnd == lineStart else { throw RESPProtocolError(.invalidNull, at: lineStart) }
            offset = afterLine
            return .completedElement

        case .bigNumber:
            var index = lineStart
            if index < lineEnd, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            guard index < lineEnd, (index..<lineEnd).allSatisfy({ Self.isDigit(bytes[$0]) }) else {
                throw RESPProtocolError(.invalidBigNumber, at: lineStart)
            }
            offset = afterLine
            return .completedElement

        case .bulkString, .bulkError, .verbatimString:
            let length: Int64
            if let quickNumber { length = quickNumber.value } else { length = try Self.parseCount(bytes, lineStart, lineEnd) }
            if length == -1, type == .bulkString {  // RESP2 null bulk string
                offset = afterLine
                return .completedElement
            }
            guard length >= 0 else { throw RESPProtocolError(.invalidLength(length), at: lineStart) }
            guard length <= Int64(limits.maxBulkLength) else {
                throw RESPProtocolError(.bulkTooLong(length: length, limit: limits.maxBulkLength), at: lineStart)
            }
            let payloadEnd = afterLine + Int(length)
            guard payloadEnd + 2 <= bytes.count else { return nil }
            guard bytes[payloadEnd] == 0x0D, bytes[payloadEnd + 1] == 0x0A else {
                throw RESPProtocolError(.missingBulkTerminator, at: payloadEnd)
            }
            if type == .verbatimString {
                guard length >= 4, bytes[afterLine + 3] == UInt8(ascii: ":") else {
                    throw RESPProtocolError(.invalidVerbatimString, at: afterLine)
                }
            }
            offset = payloadEnd + 2
            return .completedElement

        case .array, .set, .push, .map, .attribute:
            let count: Int64
            if let quickNumber { count = quickNumber.value } else { count = try Self.parseCount(bytes, lineStart, lineEnd) }
            if count == -1, type == .array {  // RESP2 null array
                offset = afterLine
                return .completedElement
            }
            guard count >= 0 else { throw RESPProtocolError(.invalidLength(count), at: lineStart) }
            guard count <= Int64(limits.maxAggregateCount) else {
                throw RESPProtocolError(.aggregateTooLarge(count: count, limit: limits.maxAggregateCount), at: lineStart)
            }
            let isPaired = type == .map || type == .attribute
            let elements = Int(count) * (isPaired ? 2 : 1)
            offset = afterLine
            if elements == 0 {
                return type == .attribute ? .consumedAttributePrefix : .completedElement
            }
            if let open = innermost {
                guard enclosing.count + 1 < limits.maxDepth else {
                    throw RESPProtocolError(.nestingTooDeep(limit: limits.maxDepth), at: start)
                }
                enclosing.append(open)
            }
            innermost = Frame(remaining: elements, isAttribute: type == .attribute)
            return .openedAggregate
        }
    }

    /// The length of the complete value at the start of `bytes`, which were validated as part of an enclosing
    /// value: headers are read to skip payloads and elements, nothing is checked again. (Iterating an
    /// aggregate used to re-run the validating scan for every element: twice the work of decoding it.)
    static func validatedLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        var pending = 1  // values still to skip
        while pending > 0 {
            let type = bytes[offset]
            var lineEnd = offset + 1
            while bytes[lineEnd] != 0x0D { lineEnd += 1 }
            let afterLine = lineEnd + 2
            pending -= 1
            switch type {
            case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
                let length = validatedInteger(bytes, offset + 1, lineEnd)
                offset = length < 0 ? afterLine : afterLine + Int(length) + 2
            case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
                pending += max(0, Int(validatedInteger(bytes, offset + 1, lineEnd)))
                offset = afterLine
            case UInt8(ascii: "%"):
                pending += 2 * Int(validatedInteger(bytes, offset + 1, lineEnd))
                offset = afterLine
            case UInt8(ascii: "|"):
                // An attribute's pairs, then the value it annotates (which is the element).
                pending += 2 * Int(validatedInteger(bytes, offset + 1, lineEnd)) + 1
                offset = afterLine
            default:
                offset = afterLine
            }
        }
        return offset
    }

    /// A decimal integer in validated bytes (optional sign).
    private static func validatedInteger(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64 {
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
        var value: Int64 = 0
        while index < end {
            value = value &* 10 &+ Int64(bytes[index] &- 0x30)
            index += 1
        }
        return negative ? -value : value
    }

    // MARK: - Line-level helpers (also used to read values out of already validated bytes)

    /// Returns the index of the CR of the first CRLF at or after `from`, `nil` if the line is not complete yet.
    static func findLineEnd(
        _ bytes: UnsafeRawBufferPointer, from: Int, limit: Int
    ) throws(RESPProtocolError) -> Int? {
        var index = from
        let end = limit >= bytes.count - from ? bytes.count : from + limit + 1
        while index < end {
            let byte = bytes[index]
            if byte == 0x0D {
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == 0x0A else { throw RESPProtocolError(.invalidLineTerminator, at: index) }
                return index
            }
            if byte == 0x0A { throw RESPProtocolError(.invalidLineTerminator, at: index) }
            index += 1
        }
        if end - from > limit { throw RESPProtocolError(.lineTooLong(limit: limit), at: from) }
        return nil
    }

    /// Reads a complete, valid integer line (`[+-]digits` then CRLF) starting at `from`, when it has at most 18
    /// digits (which cannot overflow) and fits `limit`; returns its value and the index of its CR. Returns `nil`
    /// for anything else, including input that ends early: the caller then takes the general path, which tells
    /// those cases apart. Reads at most 22 bytes (a sign, 19 digits, CRLF), so trying costs little when it fails.
    @inline(__always)
    static func quickIntegerLine(
        _ bytes: UnsafeRawBufferPointer, from: Int, limit: Int
    ) -> (value: Int64, lineEnd: Int)? {
        let count = bytes.count
        var index = from
        guard index < count else { return nil }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
        let digitsStart = index
        var value: Int64 = 0
        while index < count, index - digitsStart < 19 {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { break }
            value = value &* 10 &+ Int64(digit)
            index += 1
        }
        let digits = index - digitsStart
        guard digits > 0, digits <= 18, index - from <= limit, index + 1 < count,
              bytes[index] == 0x0D, bytes[index + 1] == 0x0A
        else { return nil }
        return (negative ? -value : value, index)
    }

    /// A length or count line the quick path did not read: refuses RESP3 streamed values (`?`), then parses.
    private static func parseCount(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int
    ) throws(RESPProtocolError) -> Int64 {
        try rejectStreamed(bytes, start, end)
        return try parseInteger(bytes, start, end)
    }

    /// Parses an optionally signed decimal integer that fills `start..<end` exactly.
    static func parseInteger(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int
    ) throws(RESPProtocolError) -> Int64 {
        var index = start
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < end, end - index <= 19 else { throw RESPProtocolError(.invalidInteger, at: start) }
        var value: Int64 = 0
        while index < end {
            let byte = bytes[index]
            guard isDigit(byte) else { throw RESPProtocolError(.invalidInteger, at: index) }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(Int64(byte &- 0x30))
            guard !overflow1, !overflow2 else { throw RESPProtocolError(.invalidInteger, at: start) }
            value = added
            index += 1
        }
        return negative ? -value : value
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// RESP3 doubles: `inf`, `-inf`, `nan`, or a decimal with optional fraction and exponent.
    static func isValidDouble(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        guard start < end, end - start <= 512 else { return false }
        var text = ""
        text.reserveCapacity(end - start)
        for index in start..<end { text.unicodeScalars.append(Unicode.Scalar(bytes[index])) }
        switch text.lowercased() {
        case "inf", "+inf", "-inf", "nan", "-nan": return true
        default: break
        }
        // Double(String) also accepts hex floats and "infinity"; RESP allows only decimal forms.
        let allowed = text.utf8.allSatisfy { isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
            || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        return allowed && Double(text) != nil
    }

    private static func rejectStreamed(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int
    ) throws(RESPProtocolError) {
        if end - start == 1, bytes[start] == UInt8(ascii: "?") {
            throw RESPProtocolError(.streamedValueUnsupported, at: start)
        }
    }
}
