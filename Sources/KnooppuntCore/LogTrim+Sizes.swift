import DequeModule

extension LogTrim {
    /// The sizes of the log's entries as this replica saw them (its own commits as active, the
    /// entries it applied as a follower), so the trim's bounds hold in bytes as well as in
    /// entries: an entry is one commit, from a few hundred bytes to ``Fence/maximumCommitBytes``,
    /// and bounds in entries alone would let etcd's database grow a thousandfold under load.
    /// An entry this replica never saw (before it started) counts as 0 bytes: for those the
    /// bounds in entries hold alone.
    public struct Sizes: Sendable, Hashable {
        public struct Entry: Sendable, Hashable {
            public let index: UInt64
            public let bytes: Int
        }

        /// The most entries kept; older ones are forgotten first.
        public static let maximumEntries = 200_000

        /// Entries not trimmed yet, oldest first, indexes rising.
        public private(set) var entries: Deque<Entry> = []

        public init() {}

        /// The entry at `index` holds `bytes`; an index at or below the newest known is ignored
        /// (a rewrite keeps its entry's size within a few bytes).
        public mutating func record(index: UInt64, bytes: Int) {
            if let last = entries.last, index <= last.index { return }
            entries.append(Entry(index: index, bytes: bytes))
            if entries.count > Self.maximumEntries {
                entries.removeFirst(entries.count - Self.maximumEntries)
            }
        }

        /// The entries up to `index` are trimmed.
        public mutating func drop(through index: UInt64) {
            while let first = entries.first, first.index <= index { entries.removeFirst() }
        }

        /// The bytes of the known entries after `index`.
        public func bytes(after index: UInt64) -> Int {
            var total = 0
            for entry in entries.reversed() {
                guard entry.index > index else { break }
                total += entry.bytes
            }
            return total
        }

        /// How many of the newest entries hold at least `bytes` together; nil when the known
        /// entries hold less.
        public func newestEntries(holding bytes: Int) -> UInt64? {
            var total = 0
            var count: UInt64 = 0
            for entry in entries.reversed() {
                total += entry.bytes
                count += 1
                if total >= bytes { return count }
            }
            return nil
        }
    }
}
