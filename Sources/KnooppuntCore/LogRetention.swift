import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// What of the log in etcd loses its content at the end of a signal's retention (issue 18),
/// without I/O. etcd is one more store that holds a signal's content (and its answers'
/// notes): the active rewrites each entry that holds such a report as the same entry (the
/// whole commit's batch, every other item as it was) with that report's sections withheld
/// (the signed envelope and its salted section digests stay, as in every other store), then
/// compacts etcd's history past the rewrite, so neither a read of the log nor a read at an
/// old revision returns the content.
///
/// Why a rewrite and not a delete: a replica reads the log after its own point and stops at
/// a hole (`applyBatch` reads again, ``LogTrim/start(applied:firstIndex:)`` says
/// `behindTrim`), and its store must hold every sequence. A rewritten entry is no hole: a
/// replica that reads it (one seeded from an old copy, one left out of the minimum) applies
/// the withheld report, which is what its own retention makes of it anyway; a watch that
/// sees the rewrite ignores it (its index is at or below the replica's point).
///
/// The bounds are LogTrim's: never the tip (the fence compares its mod revision), and never
/// past the slowest counted replica's applied point, so no replica that follows the log
/// reads an entry while it is being rewritten; a replica left out (LogTrim's bound 3) cannot
/// follow anyway.
public enum LogRetention {
    /// How often the active looks again while an entry waits for a replica or the tip.
    public static let retryInterval: Duration = .seconds(10)

    /// One entry of the log, decoded: its index and the accepted reports it holds.
    public struct Entry: Sendable {
        public let index: UInt64
        public let updates: [Update]

        public init(index: UInt64, updates: [Update]) {
            self.index = index
            self.updates = updates
        }
    }

    /// What to do now: the entries to rewrite without content, and whether others will need
    /// it later (a replica has not applied them yet, or one is the tip).
    public struct Plan: Sendable {
        public let rewrite: [Entry]
        public let waiting: Bool
    }

    /// Whether the retention ended for this report's content, by ``SignalRetention``'s rule:
    /// a signal whose content expired at `now` (or that the active's store has withheld
    /// already: `endedSignals`), or an answer holding a note to such a signal.
    public static func ended(_ update: Update, endedSignals: Set<ReportID>, now: Int64) -> Bool {
        let report = update.report
        switch report.envelope.type {
        case .signal:
            guard let section = report.heldContent.first else { return false }
            if endedSignals.contains(report.id) { return true }
            guard let content = try? JSONParser.parse(section),
                let expiresAt = SignalRetention.expiresAt(
                    content: content, exercise: report.envelope.exercise, committedAt: update.committedAt)
            else { return false }
            return expiresAt <= now
        case .signalAck, .signalFollowUp:
            guard let subject = report.envelope.subject else { return false }
            return SignalRetention.holdsNote(report) && endedSignals.contains(subject)
        default:
            return false
        }
    }

    /// Plans the rewrites among `entries` (the log as read from etcd) on the fence's `tip`,
    /// given every replica's applied record.
    public static func plan(
        entries: [Entry], endedSignals: Set<ReportID>, now: Int64, tip: Fence.Tip,
        applied: [LogTrim.Applied], limits: LogTrim.Limits = LogTrim.Limits(),
        sizes: LogTrim.Sizes = LogTrim.Sizes()
    ) -> Plan {
        let due = entries.filter { entry in
            entry.updates.contains { ended($0, endedSignals: endedSignals, now: now) }
        }
        guard !due.isEmpty else { return Plan(rewrite: [], waiting: false) }
        let counted = applied.filter { LogTrim.counts($0, tip: tip, limits: limits, sizes: sizes) }
        let slowest = counted.map(\.index).min() ?? 0
        let ready = due.filter { $0.index < tip.sequence && $0.index <= slowest }
        return Plan(rewrite: ready, waiting: ready.count < due.count)
    }

    /// The signals the active's picture holds without content: their retention ended there
    /// (the active holds every content until then).
    public static func withheldSignals(in picture: Picture) -> Set<ReportID> {
        Set(
            picture.entries.values.filter {
                $0.report.envelope.type == .signal && $0.report.heldContent.isEmpty
            }.map(\.report.id))
    }
}

extension Fence {
    /// The transaction that rewrites entries at the end of a signal's retention:
    /// conditional on the committer's election key like every commit (a stale active cannot
    /// rewrite), never on the tip. Nil once fenced or when an index is not below the tip.
    public func retentionRewrite(_ indexes: [UInt64]) -> (compares: [Compare], keys: [String])? {
        guard case .active(let tip) = state, !indexes.isEmpty,
            indexes.allSatisfy({ $0 >= 1 && $0 < tip.sequence })
        else { return nil }
        return (
            [Compare(key: electionKey, target: .createRevision, value: epoch)], indexes.map(layout.entryKey)
        )
    }
}
