import NIOCore

/// Reads the values of an aggregate one after another out of bytes that were validated as part of it.
///
/// Every read of a `ByteBuffer`'s bytes pays a dynamic exclusivity check on its storage, which cost as much as
/// finding the value. So the reader measures the next values in batches, inside one read of the bytes, and
/// then only slices: one check per batch instead of one per value.
struct ValidatedValueReader: Sendable {
    /// The values not read yet, back to back.
    private var remaining: ByteBuffer
    /// The lengths of the next values, measured by the last refill; `lengths[nextLength...]` are still due.
    private var lengths: [Int] = []
    private var nextLength = 0
    /// How many values a refill measures: the values due, at most 64.
    private var batchSize: Int

    /// A reader of `count` values held back to back in `elements`.
    init(_ elements: ByteBuffer, count: Int) {
        self.remaining = elements
        self.batchSize = min(max(count, 1), 64)
    }

    /// The next value, or `nil` after the last.
    mutating func next() -> RESPToken? {
        if nextLength == lengths.count {
            guard remaining.readableBytes > 0 else { return nil }
            // A single value is not worth a batch (the array would cost more than the check it saves).
            if batchSize == 1 { return remaining.readValidatedToken() }
            refill()
        }
        let length = lengths[nextLength]
        nextLength += 1
        return RESPToken(validated: remaining.readSlice(length: length)!)  // measured inside these bytes
    }

    private mutating func refill() {
        lengths.removeAll(keepingCapacity: true)
        nextLength = 0
        let batchSize = self.batchSize
        let bytes = remaining  // a copy to read while `lengths` grows
        bytes.withUnsafeReadableBytes { bytes in
            var offset = 0
            while lengths.count < batchSize, offset < bytes.count {
                let length = RESPScanner.validatedLength(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                lengths.append(length)
                offset += length
            }
        }
    }
}
