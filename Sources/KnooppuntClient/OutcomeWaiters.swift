import KnooppuntDomain

/// Who waits for the node's answer to a report handed to a ``SubmitPipeline``: a daemon's
/// publisher (its routing id on the operator socket), a desk request (its continuation).
/// Bounded: past `limit` reports with waiters, the oldest waits are dropped all at once (a
/// publisher that went away never collects its answer; the report's state stays readable).
public struct OutcomeWaiters<Waiter> {
    /// The most reports with waiters (nil: unbounded).
    public let limit: Int?
    private var byReport: [ReportID: [Waiter]] = [:]

    public init(limit: Int? = nil) { self.limit = limit }

    /// Reports with at least one waiter.
    public var count: Int { byReport.count }

    /// Adds a waiter for `id`; `replacing` drops the ones that waited before (one publisher
    /// per report: a retry takes the answer over).
    public mutating func wait(_ waiter: Waiter, for id: ReportID, replacing: Bool = false) {
        if let limit, byReport.count >= limit, byReport[id] == nil { byReport.removeAll() }
        if replacing {
            byReport[id] = [waiter]
        } else {
            byReport[id, default: []].append(waiter)
        }
    }

    /// Everyone waiting for `id`, who no longer wait.
    public mutating func take(_ id: ReportID) -> [Waiter] { byReport.removeValue(forKey: id) ?? [] }

    /// Stops the first waiter for `id` that `matches` from waiting; whether there was one.
    public mutating func remove(_ id: ReportID, where matches: (Waiter) -> Bool) -> Bool {
        guard var list = byReport[id], let index = list.firstIndex(where: matches) else { return false }
        list.remove(at: index)
        byReport[id] = list.isEmpty ? nil : list
        return true
    }

    /// Every waiter (when the owner stops), who no longer wait.
    public mutating func takeAll() -> [Waiter] {
        defer { byReport.removeAll() }
        return byReport.values.flatMap { $0 }
    }
}
