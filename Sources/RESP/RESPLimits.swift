/// Bounds the decoder enforces on every reply, so that a hostile or broken server cannot make us allocate
/// without limit or recurse without end.
///
/// Defaults:
/// - `maxDepth` 32 nested aggregates (Redis itself never nests deeper than a handful of levels);
/// - `maxBulkLength` 512 MiB, Redis's own `proto-max-bulk-len` default;
/// - `maxAggregateCount` 16,777,216 elements in one array, set, map or push;
/// - `maxLineLength` 1 MiB for simple strings, simple errors and numbers.
public struct RESPLimits: Sendable, Hashable {
    /// How many aggregates may be open at once (an array inside an array is depth 2).
    public var maxDepth: Int
    /// The longest bulk string, bulk error or verbatim string accepted, in bytes.
    public var maxBulkLength: Int
    /// The most elements one aggregate may announce (a map of `n` pairs counts `n`).
    public var maxAggregateCount: Int
    /// The longest line (simple string, error, number) accepted, in bytes, without its CRLF.
    public var maxLineLength: Int

    /// Creates limits; every value must be positive.
    public init(
        maxDepth: Int = 32,
        maxBulkLength: Int = 512 * 1024 * 1024,
        maxAggregateCount: Int = 1 << 24,
        maxLineLength: Int = 1024 * 1024
    ) {
        precondition(maxDepth > 0 && maxBulkLength > 0 && maxAggregateCount > 0 && maxLineLength > 0)
        self.maxDepth = maxDepth
        self.maxBulkLength = maxBulkLength
        self.maxAggregateCount = maxAggregateCount
        self.maxLineLength = maxLineLength
    }

    /// The default limits.
    public static let `default` = RESPLimits()
}
