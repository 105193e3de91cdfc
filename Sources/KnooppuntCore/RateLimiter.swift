/// A token bucket per key: `rate` events per second on average, at most `burst` at once.
/// No I/O and no clock of its own: the caller passes the time, so tests decide it.
public struct RateLimiter<Key: Hashable & Sendable>: Sendable {
    public let rate: Double
    public let burst: Double
    private var buckets: [Key: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    public init(rate: Double, burst: Double) {
        precondition(rate > 0 && burst >= 1, "a rate limit admits something")
        self.rate = rate
        self.burst = burst
    }

    /// Takes one token for `key`; false when its bucket is empty.
    public mutating func allow(_ key: Key, now: ContinuousClock.Instant) -> Bool {
        var bucket = buckets[key] ?? (burst, now)
        let elapsed = now - bucket.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + max(0, seconds) * rate)
        bucket.at = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[key] = bucket
        return allowed
    }
}

/// Log lines per interval: the first `limit` pass, the rest are counted and reported with the
/// next line that passes, so a flood of bad input cannot flood the log too.
public struct LogBudget: Sendable {
    public let limit: Int
    public let interval: Duration
    private var windowStart: ContinuousClock.Instant?
    private var used = 0
    private var suppressed = 0

    public init(limit: Int, interval: Duration) {
        self.limit = limit
        self.interval = interval
    }

    /// Nil when the line must be suppressed; otherwise how many were suppressed before it.
    public mutating func take(now: ContinuousClock.Instant) -> Int? {
        if windowStart.map({ now - $0 >= interval }) ?? true {
            windowStart = now
            used = 0
        }
        guard used < limit else {
            suppressed += 1
            return nil
        }
        used += 1
        defer { suppressed = 0 }
        return suppressed
    }
}
