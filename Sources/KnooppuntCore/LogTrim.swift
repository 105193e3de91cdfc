/// What of the log in etcd may go, and when, without I/O. Every replica records how far it
/// has applied the log to its own durable store (``Applied``, under its own key); the active
/// deletes the entries every replica it knows has applied, asks etcd to forget their history
/// (compaction) and, rarely, to give the freed space back to the file system (defragment).
///
/// Three bounds shape a trim (``plan(tip:trimmedThrough:applied:limits:)``):
///
/// 1. Never past the slowest replica's applied point, so a replica that restarts reads the
///    entries it lacks from etcd instead of needing another replica's store.
/// 2. Never the newest entry (the fence compares the tip's mod revision), and never the last
///    ``Limits/retainedTail`` entries, nor fewer than hold ``Limits/retainedTailBytes``: a
///    short tail costs little and lets a checker (chaos) compare recent ACKs with etcd's order.
/// 3. A replica more than ``Limits/retainedEntries`` or ``Limits/retainedBytes`` (of the
///    entries the active knows the size of, ``Sizes``) behind the tip is left out of the
///    minimum: one dead replica must not fill etcd to its space quota and stop every commit.
///    An entry is one commit, up to 1 MiB, so the bounds hold in bytes too.
///    Once the log is trimmed past its point it cannot follow any more and says so
///    (``start(applied:firstIndex:)``): its operator seeds it with another replica's store.
public struct LogTrim: Sendable, Hashable {
    /// The named limits; the defaults are the deployment's.
    public struct Limits: Sendable, Hashable {
        /// A replica records its applied point at most this often (each record is one etcd write)...
        public var recordInterval: Duration = .seconds(1)
        /// ...or sooner, once it has applied this many entries more.
        public var recordEntries: UInt64 = 2_000
        /// The active trims at most this often.
        public var trimInterval: Duration = .seconds(2)
        /// The newest entries always kept (see the type's bound 2): each one commit, of one
        /// report when quiet and hundreds under load...
        public var retainedTail: UInt64 = 100
        /// ...unless fewer already hold this many bytes (at least the tip is kept).
        public var retainedTailBytes = 16 * 1_048_576
        /// How far behind the tip a replica may be and still hold the log back (bound 3), in
        /// entries...
        public var retainedEntries: UInt64 = 50_000
        /// ...and in the bytes of the entries after its point: a quarter of the project's
        /// 512 MiB space quota (`LocalEtcd.quotaBackendBytes`), which also holds the history
        /// until it is compacted.
        public var retainedBytes = 128 * 1_048_576
        /// How often the active defragments etcd's members (besides after a full database).
        public var defragmentInterval: Duration = .seconds(600)

        public init() {}
    }

    /// One replica's record of how far it applied the log to its durable store.
    public struct Applied: Sendable, Hashable {
        /// The replica's name (one key segment).
        public let replica: String
        /// The last log index in its store (0: none).
        public let index: UInt64
        /// The etcd revision that wrote that entry (0: none).
        public let modRevision: Int64

        public init(replica: String, index: UInt64, modRevision: Int64) {
            self.replica = replica
            self.index = index
            self.modRevision = modRevision
        }

        /// The value in etcd: `INDEX REVISION` in decimal.
        public var value: [UInt8] { Array("\(index) \(modRevision)".utf8) }

        public init?(replica: String, value: [UInt8]) {
            let fields = String(decoding: value, as: UTF8.self).split(separator: " ")
            guard fields.count == 2, let index = UInt64(fields[0]), let revision = Int64(fields[1]) else {
                return nil
            }
            self.init(replica: replica, index: index, modRevision: revision)
        }
    }

    /// A trim to run: delete the entries up to `through`, then compact etcd's history below
    /// `compactTo` (the oldest revision a counted replica's watch may still need).
    public struct Plan: Sendable, Hashable {
        public let through: UInt64
        public let compactTo: Int64
        /// Replicas left out of the minimum (bound 3), by name: logged by the active.
        public let dropped: [String]
    }

    /// Decides the next trim; nil when nothing new may go. `trimmedThrough` is where the log
    /// starts now (entries up to it are gone already).
    public static func plan(
        tip: Fence.Tip, trimmedThrough: UInt64, applied: [Applied], limits: Limits = Limits(),
        sizes: Sizes = Sizes()
    ) -> Plan? {
        let counted = applied.filter { counts($0, tip: tip, limits: limits, sizes: sizes) }
        let dropped = applied.filter { !counts($0, tip: tip, limits: limits, sizes: sizes) }.map(\.replica)
        var tail = max(limits.retainedTail, 1)
        if let byBytes = sizes.newestEntries(holding: limits.retainedTailBytes) {
            tail = min(tail, max(byBytes, 1))
        }
        guard let slowest = counted.min(by: { $0.index < $1.index }), tip.sequence > tail else { return nil }
        let through = min(slowest.index, tip.sequence - tail)
        guard through > trimmedThrough else { return nil }
        let compactTo = counted.map(\.modRevision).min() ?? 0
        return Plan(through: through, compactTo: compactTo, dropped: dropped.sorted())
    }

    /// Whether a replica's point still holds the log back (bound 3).
    public static func counts(_ applied: Applied, tip: Fence.Tip, limits: Limits, sizes: Sizes) -> Bool {
        applied.index + limits.retainedEntries >= tip.sequence
            && sizes.bytes(after: applied.index) <= limits.retainedBytes
    }

    /// Whether a replica records its applied point now: it advanced, and the interval passed
    /// since the last record or it advanced by ``Limits/recordEntries``.
    public static func shouldRecord(
        applied: UInt64, recorded: UInt64, sinceRecord: Duration, limits: Limits = Limits()
    ) -> Bool {
        applied > recorded
            && (sinceRecord >= limits.recordInterval || applied - recorded >= limits.recordEntries)
    }

    /// How a replica whose store holds the log up to `applied` may follow, given the first
    /// index a read of the log after it found (nil: nothing after it).
    public enum Start: Sendable, Hashable {
        /// The log holds everything after `applied`.
        case follow
        /// The entries after `applied` up to `firstIndex - 1` were trimmed: this store cannot
        /// be completed from etcd.
        case behindTrim(firstIndex: UInt64)
    }

    public static func start(applied: UInt64, firstIndex: UInt64?) -> Start {
        guard let firstIndex, firstIndex > applied + 1 else { return .follow }
        return .behindTrim(firstIndex: firstIndex)
    }
}
