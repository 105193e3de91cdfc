import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Testing

/// Which entries of the log in etcd lose their content at the end of a signal's retention,
/// within LogTrim's bounds (issue 18).
@Suite("Log retention in etcd")
struct LogRetentionTests {
    typealias P = SignalPolicyTests
    typealias N = SignalNotesRetentionTests

    static let t0: Int64 = 1_700_000_000_000
    static let day: Int64 = 86_400_000
    static let everyone = Classification.parties(OrganisationSet([P.dji, P.gemeente]))

    static func entry(_ index: UInt64, _ report: SealedReport, committedAt: Int64 = t0) -> LogRetention.Entry
    {
        LogRetention.Entry(
            index: index,
            updates: [Update(sequence: index, epoch: 1, committedAt: committedAt, report: report)])
    }

    static func applied(_ indexes: UInt64...) -> [LogTrim.Applied] {
        indexes.enumerated().map {
            LogTrim.Applied(replica: "r\($0.offset)", index: $0.element, modRevision: 1)
        }
    }

    @Test(
        "a signal's entry ends by the signal's own rule; an answer's when it holds a note and its signal ended"
    )
    func ended() {
        let week = P.sealed(.signal(P.signal(recipients: [P.gemeente], retention: 7)), from: P.dji)
        let noted = N.ack(week.id, note: "notitie")
        let plain = N.ack(week.id, note: nil)
        let update = { (report: SealedReport) in
            Update(sequence: 1, epoch: 1, committedAt: Self.t0, report: report)
        }
        #expect(!LogRetention.ended(update(week), endedSignals: [], now: Self.t0 + 6 * Self.day))
        #expect(LogRetention.ended(update(week), endedSignals: [], now: Self.t0 + 7 * Self.day))
        // The active's store withheld it already (its clock ran ahead): ended too.
        #expect(LogRetention.ended(update(week), endedSignals: [week.id], now: Self.t0))
        // Withheld in the log already: nothing left to rewrite.
        #expect(
            !LogRetention.ended(
                update(week.withholdingAllSections()), endedSignals: [week.id], now: Self.t0 + 8 * Self.day))
        #expect(LogRetention.ended(update(noted), endedSignals: [week.id], now: Self.t0))
        #expect(!LogRetention.ended(update(noted), endedSignals: [], now: Self.t0 + 8 * Self.day))
        #expect(!LogRetention.ended(update(plain), endedSignals: [week.id], now: Self.t0))
        let fresh = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        #expect(!LogRetention.ended(update(fresh), endedSignals: [], now: Self.t0))
    }

    @Test(
        "a rewrite never touches the tip nor an entry a counted replica has not applied; such entries wait, a replica far behind does not hold them"
    )
    func bounds() {
        let week = P.sealed(.signal(P.signal(recipients: [P.gemeente], retention: 7)), from: P.dji)
        let noted = N.followUp(week.id, note: "MAR")
        let other = P.sealed(.signal(P.signal(recipients: [P.gemeente], retention: 365)), from: P.dji)
        let entries = [Self.entry(3, week), Self.entry(4, other), Self.entry(5, noted)]
        let now = Self.t0 + 7 * Self.day
        func plan(tip: UInt64, _ applied: [LogTrim.Applied]) -> LogRetention.Plan {
            LogRetention.plan(
                entries: entries, endedSignals: [week.id], now: now,
                tip: Fence.Tip(sequence: tip, modRevision: 9), applied: applied)
        }
        // Everyone applied everything, the tip is past: both go, the year's signal stays.
        let all = plan(tip: 6, Self.applied(6, 6))
        #expect(all.rewrite.map(\.index) == [3, 5] && !all.waiting)
        // The answer is the tip: it waits.
        let tip = plan(tip: 5, Self.applied(5, 5))
        #expect(tip.rewrite.map(\.index) == [3] && tip.waiting)
        // A replica has applied up to 4 only: the answer waits for it.
        let behind = plan(tip: 6, Self.applied(6, 4))
        #expect(behind.rewrite.map(\.index) == [3] && behind.waiting)
        // No replica recorded anything yet: everything waits.
        let none = plan(tip: 6, [])
        #expect(none.rewrite.isEmpty && none.waiting)
        // A replica more than LogTrim's retainedEntries behind is left out of the minimum.
        var limits = LogTrim.Limits()
        limits.retainedEntries = 2
        let dropped = LogRetention.plan(
            entries: entries, endedSignals: [week.id], now: now, tip: Fence.Tip(sequence: 6, modRevision: 9),
            applied: Self.applied(6, 1), limits: limits)
        #expect(dropped.rewrite.map(\.index) == [3, 5] && !dropped.waiting)
        // Nothing ended: nothing to do, nothing waits.
        let quiet = LogRetention.plan(
            entries: entries, endedSignals: [], now: Self.t0, tip: Fence.Tip(sequence: 6, modRevision: 9),
            applied: Self.applied(6))
        #expect(quiet.rewrite.isEmpty && !quiet.waiting)
    }

    @Test("the rewrite is fenced on the election key and refused for the tip or past it, or once fenced")
    func fencedRewrite() throws {
        let layout = Fence.Layout(network: "T")
        let fence = Fence(
            layout: layout, electionKey: "/knooppunt/T/active/1", epoch: 7,
            tip: Fence.Tip(sequence: 10, modRevision: 40))
        let rewrite = try #require(fence.retentionRewrite([3, 9]))
        #expect(rewrite.keys == [layout.entryKey(3), layout.entryKey(9)])
        #expect(
            rewrite.compares == [
                Fence.Compare(key: "/knooppunt/T/active/1", target: .createRevision, value: 7)
            ])
        #expect(fence.retentionRewrite([10]) == nil)
        #expect(fence.retentionRewrite([0]) == nil)
        #expect(fence.retentionRewrite([]) == nil)
    }

    @Test("the active's withheld signals are those whose content its picture no longer holds")
    func withheldSignals() {
        let gone = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        let held = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        var picture = SignalReadRetentionTests.picture([(gone, Self.t0), (held, Self.t0)])
        picture.withholdContent(of: gone.envelope.key)
        #expect(LogRetention.withheldSignals(in: picture) == [gone.id])
    }

    @Test(
        "the log's codec (the pair's REPLICATE) carries a withheld signal or answer, and refuses any other report withheld"
    )
    func withheldThroughTheCodec() throws {
        let sent = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        let noted = N.ack(sent.id, note: "notitie")
        func roundTrip(_ report: SealedReport) throws -> Update? {
            let message = LogMessage(
                epoch: 1, activeLastSequence: 1,
                updates: [Update(sequence: 1, epoch: 1, committedAt: Self.t0, report: report)], rejections: []
            )
            return try LogMessage.decode(message.parts).updates.first
        }
        for report in [sent, noted] {
            let withheld = try #require(try roundTrip(report.withholdingAllSections()))
            #expect(withheld.report.sections == [nil])
            #expect(withheld.report.envelopeBytes == report.envelopeBytes)
            #expect(try roundTrip(report)?.report.sections == report.sections)
        }
        let ack = P.sealed(
            .ack(Acknowledgement(subject: sent.id, by: "P. Bakker", classification: Self.everyone)),
            from: P.gemeente)
        #expect(throws: Problem.self) { try roundTrip(ack.withholdingAllSections()) }
    }
}
