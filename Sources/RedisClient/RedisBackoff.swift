/// Exponential backoff with jitter for reconnects: attempt `n` waits about `initial × multiplier^n`, capped at
/// `maximum`, of which the `jitter` fraction is random so that many clients do not reconnect in step.
///
/// Defaults: 100 ms initial, ×2, 5 s maximum, 50 % jitter.
public struct RedisBackoff: Sendable, Hashable {
    /// Delay before the second attempt (the first is immediate).
    public var initial: Duration
    /// Upper bound of any delay.
    public var maximum: Duration
    /// Growth per attempt.
    public var multiplier: Double
    /// Fraction (0...1) of each delay that is drawn at random.
    public var jitter: Double

    /// Creates a backoff policy.
    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5), multiplier: Double = 2,
        jitter: Double = 0.5
    ) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1 && (0...1).contains(jitter))
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (0 for the first retry), using `generator` for the jitter.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        var base = initial.seconds
        for _ in 0..<max(attempt, 0) where base < maximum.seconds { base *= multiplier }
        base = min(base, maximum.seconds)
        let fixed = base * (1 - jitter)
        let random = jitter > 0 ? Double.random(in: 0...(base * jitter), using: &generator) : 0
        return .nanoseconds(Int64((fixed + random) * 1e9))
    }

    /// The delay before retry number `attempt`, with the system random generator.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
