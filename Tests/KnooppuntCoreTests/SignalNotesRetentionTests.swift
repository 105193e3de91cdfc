import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// The notes in a signal's acknowledgements and follow-ups go by the signal's own retention
/// rule (issue 18), and a refused signal's content leaves the sender's outbox at the refusal.
@Suite("Signal notes at the end of retention")
struct SignalNotesRetentionTests {
    typealias P = SignalPolicyTests

    static let readers = Classification.parties(OrganisationSet([P.dji, P.gemeente]))

    static func ack(_ subject: ReportID, note: String?) -> SealedReport {
        P.sealed(
            .signalAck(
                SignalAcknowledgement(subject: subject, by: "P. Bakker", note: note, classification: readers)),
            from: P.gemeente)
    }

    static func followUp(_ subject: ReportID, note: String?) -> SealedReport {
        P.sealed(
            .signalFollowUp(
                SignalFollowUp(
                    subject: subject, outcome: .caseMeeting, by: "P. Bakker", note: note,
                    classification: readers)),
            from: P.gemeente)
    }

    @Test("only an answer to a signal that still holds a note has free text to delete")
    func holdsNote() {
        let sent = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        #expect(SignalRetention.holdsNote(Self.ack(sent.id, note: "Zorgen over de buurman")))
        #expect(SignalRetention.holdsNote(Self.followUp(sent.id, note: "MAR op 12 maart")))
        #expect(!SignalRetention.holdsNote(Self.ack(sent.id, note: nil)))
        #expect(!SignalRetention.holdsNote(Self.followUp(sent.id, note: nil)))
        // Withheld already, or not an answer (the signal itself goes by `expired`).
        #expect(!SignalRetention.holdsNote(Self.ack(sent.id, note: "x").withholdingAllSections()))
        #expect(!SignalRetention.holdsNote(sent))
    }

    @Test(
        "the answers' notes go when their signal expires, or at once when the signal's content is already gone; never while it is held"
    )
    func endedSignals() throws {
        let t0: Int64 = 1_700_000_000_000
        let day: Int64 = 86_400_000
        let week = P.sealed(.signal(P.signal(recipients: [P.gemeente], retention: 7)), from: P.dji)
        let year = P.sealed(.signal(P.signal(recipients: [P.gemeente], retention: 365)), from: P.dji)
        let weekAck = Self.ack(week.id, note: "notitie")
        let yearAck = Self.ack(year.id, note: "notitie")
        var picture = SignalReadRetentionTests.picture([(week, t0), (year, t0), (weekAck, t0), (yearAck, t0)])
        // In retention: nothing ends.
        let early = SignalRetention.expired(in: picture, now: t0 + day)
        #expect(SignalRetention.endedSignals(in: picture, expiring: early).isEmpty)
        // The week's signal expires: it ends, with its answers; the year's does not.
        let expiring = SignalRetention.expired(in: picture, now: t0 + 7 * day)
        #expect(SignalRetention.endedSignals(in: picture, expiring: expiring) == [week.id])
        // Deleted, with an answer still holding its note (it came later): ended at once.
        picture.withholdContent(of: week.envelope.key)
        #expect(SignalRetention.expired(in: picture, now: t0 + 8 * day).isEmpty)
        #expect(SignalRetention.endedSignals(in: picture, expiring: []) == [week.id])
        // Once that note is withheld too, nothing is left to do.
        picture.withholdContent(of: weekAck.envelope.key)
        #expect(SignalRetention.endedSignals(in: picture, expiring: []).isEmpty)
    }

    @Test(
        "the notes of every version of the answers, in sequence order, each with the digest of what is deleted"
    )
    func notes() throws {
        let sent = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        let first = Self.followUp(sent.id, note: "eerste")
        let plain = Self.ack(sent.id, note: nil)
        let second = Self.followUp(sent.id, note: "tweede")
        let answers = [
            Update(sequence: 9, epoch: 1, committedAt: 9, report: second),
            Update(sequence: 4, epoch: 1, committedAt: 4, report: first),
            Update(sequence: 5, epoch: 1, committedAt: 5, report: plain),
        ]
        let notes = SignalRetention.notes(in: answers)
        #expect(notes.map(\.update.report.id) == [first.id, second.id])
        #expect(notes.allSatisfy { $0.contentDigest.count == 64 })
        #expect(notes[0].contentDigest != notes[1].contentDigest)
        let withheld = notes[0].withheld
        #expect(withheld.sections == [nil])
        #expect(withheld.envelopeBytes == first.envelopeBytes)
        #expect(withheld.signature == first.signature)
    }

    @Test("a store reads the answers under the signal's own keys, real and exercise, and no other signal's")
    func answerKeyRanges() throws {
        let sent = P.sealed(.signal(P.signal(recipients: [P.gemeente])), from: P.dji)
        let ack = Self.ack(sent.id, note: nil)
        let ranges = SignalRetention.answerKeyRanges(of: sent.id)
        func inRange(_ key: String) -> Bool { ranges.contains { key >= $0.lower && key < $0.upper } }
        #expect(inRange(ack.envelope.key))
        #expect(inRange("exercise/" + ack.envelope.key))
        #expect(!inRange(sent.envelope.key))
        #expect(!inRange("signal/\(sent.id.rawValue)x/ack/VR02"))
        #expect(!inRange("signal/\(ReportID.random().rawValue)/ack/VR02"))
    }

    @Test("the outbox deletes a refused signal's or answer's content at the refusal, no other report's")
    func deletesAtRefusal() {
        for type in ReportType.allCases {
            #expect(
                SignalRetention.deletesAtRefusal(type)
                    == [.signal, .signalAck, .signalFollowUp].contains(type),
                "\(type)")
        }
    }
}
