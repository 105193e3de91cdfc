extension Fence {
    /// The transaction that deletes the log's entries up to `through` (the first key of the
    /// log up to the key after `through`, exclusive), conditional on the committer's election
    /// key like every commit: a stale active cannot trim either. It writes nothing, so etcd
    /// runs it even while its space quota's alarm is raised (a write would be refused then).
    public struct Trim: Sendable, Hashable {
        public let compares: [Compare]
        /// Delete the keys from `from` up to `to` (exclusive).
        public let from: String
        public let to: String
        public let through: UInt64
    }

    /// The trim of the entries up to `through`; nil once fenced, or when `through` would
    /// reach the tip (the fence's compare on the tip needs its key).
    public func trim(through: UInt64) -> Trim? {
        guard case .active(let tip) = state, through >= 1, through < tip.sequence else { return nil }
        return Trim(
            compares: [Compare(key: electionKey, target: .createRevision, value: epoch)],
            from: layout.entryKey(0), to: layout.entryKey(through + 1), through: through)
    }
}
