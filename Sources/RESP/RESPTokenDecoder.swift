public import NIOCore

/// Splits a byte stream from a Redis server into complete, validated ``RESPToken``s.
///
/// A reply split at any byte boundary decodes the same. Partial progress is kept between reads, so decoding
/// stays linear for large replies. A malformed stream throws ``RESPProtocolError``; the channel should then be
/// closed, since the next reply's start is unknown.
public struct RESPTokenDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPToken

    private var scanner: RESPScanner

    /// Creates a decoder that enforces `limits`.
    public init(limits: RESPLimits = .default) {
        self.scanner = RESPScanner(limits: limits)
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPToken? {
        let length = try buffer.withUnsafeReadableBytes { bytes throws(RESPProtocolError) in
            try scanner.scan(bytes)
        }
        guard let length else { return nil }
        return RESPToken(validated: buffer.readSlice(length: length)!)  // the scanner measured these bytes
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPToken? {
        try decode(buffer: &buffer)
    }
}
