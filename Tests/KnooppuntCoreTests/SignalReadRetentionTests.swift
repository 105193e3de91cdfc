import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// The node's check of read records and exercise retention, and the retention rule every
/// store applies (issue 18).
@Suite("Signal reads and retention")
struct SignalReadRetentionTests {
    typealias P = SignalPolicyTests

    func check(
        _ report: SealedReport, _ body: ReportBody, from sender: OrganisationCode,
        signals: [SealedReport] = [],
        exercise: Bool = false
    ) -> ErrorCode? {
        SignalPolicy.builtIn.check(
            ReportDocument(id: report.id, exercise: exercise, body: body), envelope: report.envelope,
            sender: sender, kindOf: P.kind, signalEnvelope: { id in signals.first { $0.id == id }?.envelope })?
            .code
    }

    static func read(_ subject: ReportID, readers: [OrganisationCode]) -> ReportBody {
        .signalRead(
            SignalRead(
                subject: subject, by: "P. Bakker (pbakker)", role: "operator", at: 1_700_000_000_000,
                classification: .parties(OrganisationSet(readers))))
    }

    @Test(
        "a read record comes from the sender or a recipient and is read by exactly the signal's sender and the reader"
    )
    func readRecords() {
        let sent = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        let byRecipient = Self.read(sent.id, readers: [P.dji, P.gemeente])
        #expect(
            check(P.sealed(byRecipient, from: P.gemeente), byRecipient, from: P.gemeente, signals: [sent])
                == nil)
        // The sender opening its own signal: read by the sender alone.
        let bySender = Self.read(sent.id, readers: [P.dji])
        #expect(check(P.sealed(bySender, from: P.dji), bySender, from: P.dji, signals: [sent]) == nil)
        // Not a reader of the signal.
        let byPolice = Self.read(sent.id, readers: [P.dji, .police])
        #expect(
            check(P.sealed(byPolice, from: .police), byPolice, from: .police, signals: [sent])
                == .notASignalRecipient)
        // Readers wider than the sender and the reader: the other recipients, or everyone.
        for readers in [[P.dji, P.gemeente, .police], [P.gemeente]] {
            let wrong = Self.read(sent.id, readers: readers)
            #expect(
                check(P.sealed(wrong, from: P.gemeente), wrong, from: P.gemeente, signals: [sent])
                    == .signalReaders)
        }
        // Of a report that is not a signal.
        #expect(
            check(P.sealed(byRecipient, from: P.gemeente), byRecipient, from: P.gemeente)
                == .notASignalRecipient)
    }

    @Test("only an exercise signal may state its retention in seconds (E317)")
    func exerciseRetentionOnlyOnExercises() {
        var signal = P.signal(recipients: [P.gemeente])
        signal.exerciseRetentionSeconds = 3
        let real = P.sealed(.signal(signal), from: P.dji)
        #expect(check(real, .signal(signal), from: P.dji) == .exerciseRetentionOnly)
        var random = SystemRandomNumberGenerator()
        let exercise = SealedReport.seal(
            ReportDocument(exercise: true, body: .signal(signal)), id: .random(), origin: P.dji, originSeq: 1,
            created: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000), signingKey: .generate(),
            codec: DocumentCodec(), random: &random)
        #expect(check(exercise, .signal(signal), from: P.dji, exercise: true) == nil)
    }

    static func picture(_ reports: [(SealedReport, committedAt: Int64)]) -> Picture {
        var picture = Picture(views: [.organisation(.national)])
        for (index, item) in reports.enumerated() {
            picture.apply(
                Update(sequence: UInt64(index + 1), epoch: 1, committedAt: item.committedAt, report: item.0))
        }
        return picture
    }

    @Test(
        "content expires retentionDays after the commit, an exercise's after its seconds; expired signals come oldest first, and a withheld one is never expired again"
    )
    func retentionRule() throws {
        let day: Int64 = 86_400_000
        let t0: Int64 = 1_700_000_000_000
        let year = P.sealed(.signal(P.signal(recipients: [P.gemeente], retention: 365)), from: P.dji)
        let week = P.sealed(.signal(P.signal(recipients: [P.gemeente], retention: 7)), from: P.dji)
        var short = P.signal(recipients: [P.gemeente])
        short.exerciseRetentionSeconds = 5
        var random = SystemRandomNumberGenerator()
        let drill = SealedReport.seal(
            ReportDocument(exercise: true, body: .signal(short)), id: .random(), origin: P.dji, originSeq: 2,
            created: Timestamp(millisecondsSinceEpoch: t0), signingKey: .generate(), codec: DocumentCodec(),
            random: &random)
        var picture = Self.picture([(year, t0), (week, t0), (drill, t0 + 1_000)])
        #expect(SignalRetention.expired(in: picture, now: t0 + 5_999).isEmpty)
        #expect(SignalRetention.expired(in: picture, now: t0 + 6_000).map(\.entry.report.id) == [drill.id])
        let later = SignalRetention.expired(in: picture, now: t0 + 365 * day)
        #expect(later.map(\.entry.report.id) == [drill.id, week.id, year.id])
        #expect(later.map(\.expiredAt) == [t0 + 6_000, t0 + 7 * day, t0 + 365 * day])
        let first = try #require(later.first)
        #expect(first.contentDigest.count == 64)
        #expect(first.withheld.sections.allSatisfy { $0 == nil })
        #expect(first.withheld.envelopeBytes == drill.envelopeBytes)
        // Withheld in the picture: the envelope stays, the view's hash (of a real signal) does
        // not change, and it is not found again.
        let hash = picture.hash(for: .organisation(.national))
        picture.withholdContent(of: drill.envelope.key)
        picture.withholdContent(of: week.envelope.key)
        #expect(picture.entries[week.envelope.key]?.report.sections == [nil])
        #expect(picture.hash(for: .organisation(.national)) == hash)
        #expect(SignalRetention.expired(in: picture, now: t0 + 365 * day).map(\.entry.report.id) == [year.id])
    }
}
