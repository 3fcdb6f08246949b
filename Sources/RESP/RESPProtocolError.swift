/// A reply that is not valid RESP2/RESP3, or that breaks one of the configured ``RESPLimits``.
///
/// A connection that sees this error cannot know where the next reply starts, so it must be closed.
public struct RESPProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What exactly was wrong.
    public enum Kind: Sendable, Hashable {
        /// The byte at the start of a value is not a RESP type identifier.
        case invalidTypeIdentifier(UInt8)
        /// A line was not terminated by CRLF (a lone CR, or an LF without CR).
        case invalidLineTerminator
        /// An integer, length or count line does not hold a valid decimal number.
        case invalidInteger
        /// A double line does not hold a valid RESP3 double.
        case invalidDouble
        /// A boolean line is neither `t` nor `f`.
        case invalidBoolean
        /// A big-number line does not hold an optionally signed run of digits.
        case invalidBigNumber
        /// A null (`_`) line is not empty.
        case invalidNull
        /// A negative length other than the RESP2 null `-1`, or `-1` where RESP2 does not allow it.
        case invalidLength(Int64)
        /// A verbatim string shorter than its `xxx:` format prefix, or without the colon.
        case invalidVerbatimString
        /// A bulk string's bytes are not followed by CRLF.
        case missingBulkTerminator
        /// Aggregates nested deeper than ``RESPLimits/maxDepth``.
        case nestingTooDeep(limit: Int)
        /// A bulk value longer than ``RESPLimits/maxBulkLength``.
        case bulkTooLong(length: Int64, limit: Int)
        /// An aggregate announcing more than ``RESPLimits/maxAggregateCount`` elements.
        case aggregateTooLarge(count: Int64, limit: Int)
        /// A line longer than ``RESPLimits/maxLineLength``.
        case lineTooLong(limit: Int)
        /// RESP3 streamed strings/aggregates (`$?`, `*?`), which Redis never sends.
        case streamedValueUnsupported
    }

    /// What was wrong.
    public var kind: Kind
    /// Byte offset, from the start of the reply, where the problem was found.
    public var offset: Int

    /// Creates an error.
    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch kind {
        case .invalidTypeIdentifier(let byte):
            what = "unknown type byte 0x\(String(byte, radix: 16))"
        case .invalidLineTerminator: what = "line not terminated by CRLF"
        case .invalidInteger: what = "invalid integer"
        case .invalidDouble: what = "invalid double"
        case .invalidBoolean: what = "invalid boolean (expected t or f)"
        case .invalidBigNumber: what = "invalid big number"
        case .invalidNull: what = "null value with a payload"
        case .invalidLength(let length): what = "invalid length \(length)"
        case .invalidVerbatimString: what = "verbatim string without its 3-letter format prefix"
        case .missingBulkTerminator: what = "bulk string not followed by CRLF"
        case .nestingTooDeep(let limit): what = "aggregates nested deeper than the limit of \(limit)"
        case .bulkTooLong(let length, let limit): what = "bulk length \(length) exceeds the limit of \(limit) bytes"
        case .aggregateTooLarge(let count, let limit): what = "aggregate of \(count) elements exceeds the limit of \(limit)"
        case .lineTooLong(let limit): what = "line longer than the limit of \(limit) bytes"
        case .streamedValueUnsupported: what = "streamed RESP3 values are not supported"
        }
        return "malformed RESP reply at byte \(offset): \(what)"
    }
}
