import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Testing

/// The table of organisation kind × signal kind × legal basis of the built-in signal policy
/// (config/signals.yaml), allowed and refused, and the node's checks of a signal's readers
/// and of the answers to it.
@Suite("Signal policy: organisation kind × signal kind × legal basis")
struct SignalPolicyTests {
    static let justice = OrganisationKind(rawValue: "justice")!
    static let municipality = OrganisationKind(rawValue: "municipality")!
    static let police = OrganisationKind(rawValue: "police")!
    static let safetyHouse = OrganisationKind(rawValue: "safetyHouse")!
    static let health = OrganisationKind(rawValue: "health")!
    static let safetyRegion = OrganisationKind(rawValue: "safetyRegion")!
    static let national = OrganisationKind(rawValue: "national")!

    struct Row: Sendable, CustomTestStringConvertible {
        let sender: OrganisationKind
        let kind: SignalKind
        let basis: String
        let recipients: [OrganisationKind]
        /// Nil: allowed.
        let refusal: ErrorCode?
        var testDescription: String {
            "\(sender) → \(recipients.map(\.rawValue).joined(separator: "+")) \(kind.rawValue) on \(basis): \(refusal.map(\.summary) ?? "allowed")"
        }
    }

    static let table: [Row] = [
        // DJI's Meldpunt Radicalisering to the municipality (MAR), the police and the OM.
        Row(
            sender: justice, kind: .radicalisation, basis: "WJSG-39F", recipients: [municipality],
            refusal: nil),
        Row(
            sender: justice, kind: .radicalisation, basis: "WJSG-39F",
            recipients: [municipality, police, justice],
            refusal: nil),
        Row(sender: justice, kind: .violence, basis: "WJSG-39F", recipients: [safetyHouse], refusal: nil),
        Row(sender: justice, kind: .psychological, basis: "WGS-ZVH", recipients: [safetyHouse], refusal: nil),
        // Kind of signal not allowed for that recipient kind.
        Row(
            sender: justice, kind: .psychological, basis: "WJSG-39F", recipients: [municipality],
            refusal: .signalNotPermitted),
        Row(
            sender: justice, kind: .other, basis: "WJSG-39F", recipients: [police],
            refusal: .signalNotPermitted),
        // One recipient of a kind no rule admits refuses the whole signal.
        Row(
            sender: justice, kind: .radicalisation, basis: "WJSG-39F",
            recipients: [municipality, safetyRegion],
            refusal: .signalNotPermitted),
        // A known legal basis that this combination may not use.
        Row(
            sender: justice, kind: .radicalisation, basis: "WPOLG-16", recipients: [municipality],
            refusal: .legalBasisNotPermitted),
        Row(
            sender: justice, kind: .violence, basis: "WGS-ZVH", recipients: [safetyHouse, municipality],
            refusal: .legalBasisNotPermitted),
        // A basis the policy does not list at all.
        Row(
            sender: justice, kind: .radicalisation, basis: "WET-ONBEKEND", recipients: [municipality],
            refusal: .unknownLegalBasis),
        // The police and the municipality.
        Row(
            sender: police, kind: .other, basis: "WPOLG-20", recipients: [municipality, justice], refusal: nil
        ),
        Row(
            sender: police, kind: .violence, basis: "WJSG-39F", recipients: [municipality],
            refusal: .legalBasisNotPermitted),
        Row(
            sender: police, kind: .violence, basis: "WPOLG-16", recipients: [health],
            refusal: .signalNotPermitted),
        Row(
            sender: municipality, kind: .violence, basis: "AVG-6-1E-GEMW", recipients: [safetyHouse],
            refusal: nil),
        Row(
            sender: municipality, kind: .violence, basis: "AVG-6-1E-GEMW", recipients: [municipality],
            refusal: .signalNotPermitted),
        Row(
            sender: safetyHouse, kind: .radicalisation, basis: "WGS-ZVH", recipients: [police],
            refusal: .signalNotPermitted),
        Row(sender: health, kind: .psychological, basis: "WPG-19", recipients: [municipality], refusal: nil),
        // Crisis organisations send no signals about persons, and receive none.
        Row(
            sender: safetyRegion, kind: .violence, basis: "WPOLG-16", recipients: [police],
            refusal: .signalNotPermitted),
        Row(
            sender: national, kind: .radicalisation, basis: "WJSG-39F", recipients: [municipality],
            refusal: .signalNotPermitted),
        Row(
            sender: justice, kind: .radicalisation, basis: "WJSG-39F", recipients: [national],
            refusal: .signalNotPermitted),
    ]

    @Test("the built-in policy allows and refuses as the table says", arguments: table)
    func row(_ row: Row) {
        let problem = SignalPolicy.builtIn.check(
            sender: row.sender, kind: row.kind, basis: row.basis, recipients: row.recipients)
        #expect(problem?.code == row.refusal, "\(problem?.description ?? "allowed")")
    }

    @Test("every signal kind and every legal basis of the file is covered by a rule")
    func everythingIsUsed() {
        let policy = SignalPolicy.builtIn
        #expect(Set(policy.rules.flatMap(\.kinds)) == Set(SignalKind.allCases))
        #expect(Set(policy.rules.flatMap(\.bases)) == Set(policy.legalBases.map(\.code)))
        #expect(policy.acknowledgeWithinMs == 24 * 60 * 60 * 1000)
        #expect(policy.maximumRetentionDays == 730)
    }

    @Test(
        "the built-in signal policy is config/signals.yaml (run scripts/embed-reference-data.sh after edits)")
    func builtInMatchesFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/signals.yaml")
        let fromFile = try SignalPolicy(yaml: [UInt8](Data(contentsOf: file)))
        #expect(fromFile.digest == SignalPolicy.builtIn.digest)
        #expect(fromFile.rules == SignalPolicy.builtIn.rules)
    }

    @Test("a policy file with a mistake is refused, naming it")
    func badFiles() {
        let base = """
            version: 1
            acknowledgeWithinMinutes: 60
            maximumRetentionDays: 30
            legalBases:
              - {code: WJSG-39F, description: Wjsg}
            """
        func error(_ rules: String) -> String? {
            do {
                _ = try SignalPolicy(yaml: Array((base + "\nrules:\n" + rules).utf8))
                return nil
            } catch {
                return error.message
            }
        }
        #expect(
            error("  - {id: a, from: [justice], kinds: [violence], to: [police], bases: [WJSG-39F]}") == nil)
        #expect(
            error("  - {id: a, from: [justice], kinds: [gossip], to: [police], bases: [WJSG-39F]}")?.contains(
                "kinds") == true)
        #expect(
            error("  - {id: a, from: [justice], kinds: [violence], to: [police], bases: [WPOLG-16]}")?
                .contains("WPOLG-16") == true)
        #expect(
            error("  - {id: a, from: [Justice!], kinds: [violence], to: [police], bases: [WJSG-39F]}") != nil)
        #expect(
            error(
                "  - {id: a, from: [justice], kinds: [violence], to: [police], bases: [WJSG-39F], extra: 1}")?
                .contains("extra") == true)
    }

    // MARK: The node's checks of whole reports

    // Codes of the installed network (the 28) stand in for DJI and a municipality: the
    // kinds come from the map, as the node's come from network.json.
    static let dji = OrganisationCode("VR01")!
    static let gemeente = OrganisationCode("VR02")!
    static let kinds: [OrganisationCode: OrganisationKind] = [
        dji: justice, gemeente: municipality, .police: police, OrganisationCode("VR09")!: safetyRegion,
    ]
    static func kind(_ code: OrganisationCode) -> OrganisationKind { kinds[code] ?? .other }

    static func sealed(
        _ body: ReportBody, from origin: OrganisationCode, id: ReportID = .random()
    ) -> SealedReport {
        var random = SystemRandomNumberGenerator()
        return SealedReport.seal(
            ReportDocument(id: id, body: body), id: id, origin: origin, originSeq: 1,
            created: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000), signingKey: .generate(),
            codec: DocumentCodec(), random: &random)
    }

    static func signal(
        recipients: [OrganisationCode], basis: String = "WJSG-39F", retention: Int = 365
    ) -> Signal {
        Signal(
            sender: dji, person: "DJI-2026-0042", kind: .radicalisation, assessment: "Uitingen",
            legalBasis: basis,
            recipients: OrganisationSet(recipients), retentionDays: retention, asked: .discussMAR)
    }

    func check(
        _ report: SealedReport, _ body: ReportBody, from sender: OrganisationCode,
        signals: [SealedReport] = []
    )
        -> ErrorCode?
    {
        SignalPolicy.builtIn.check(
            ReportDocument(id: report.id, body: body), envelope: report.envelope, sender: sender,
            kindOf: Self.kind,
            signalEnvelope: { id in signals.first { $0.id == id }?.envelope })?.code
    }

    @Test(
        "a signal's envelope names exactly its sender and recipients; its sender is its origin; retention is bounded"
    )
    func readersAndSender() {
        let good = Self.signal(recipients: [Self.gemeente])
        let report = Self.sealed(.signal(good), from: Self.dji)
        #expect(
            report.envelope.sections.map(\.classification) == [
                .parties(OrganisationSet([Self.dji, Self.gemeente]))
            ])
        #expect(!report.envelope.key.contains("DJI-2026-0042"))
        #expect(check(report, .signal(good), from: Self.dji) == nil)
        // As another organisation: the sender named is not the origin.
        #expect(check(report, .signal(good), from: .police) == .signalReaders)
        // An envelope that widens the readers (made by hand, not by this codec) is refused.
        var widened = report.envelope
        widened.sections = widened.sections.map {
            SectionDescriptor(name: $0.name, classification: .partners, salt: $0.salt, digest: $0.digest)
        }
        #expect(
            SignalPolicy.builtIn.check(
                ReportDocument(id: report.id, body: .signal(good)), envelope: widened, sender: Self.dji,
                kindOf: Self.kind, signalEnvelope: { _ in nil })?.code == .signalReaders)
        let long = Self.signal(recipients: [Self.gemeente], retention: 731)
        #expect(
            check(Self.sealed(.signal(long), from: Self.dji), .signal(long), from: Self.dji)
                == .retentionTooLong)
    }

    @Test("an acknowledgement or follow-up comes from a recipient of a signal and has the signal's readers")
    func answers() {
        let signal = Self.signal(recipients: [Self.gemeente])
        let sent = Self.sealed(.signal(signal), from: Self.dji)
        let readers = signal.classification
        let ack = ReportBody.signalAck(
            SignalAcknowledgement(subject: sent.id, by: "P. Bakker", classification: readers))
        #expect(
            check(Self.sealed(ack, from: Self.gemeente), ack, from: Self.gemeente, signals: [sent]) == nil)
        // Not a recipient: the police, and the sender itself.
        #expect(
            check(Self.sealed(ack, from: .police), ack, from: .police, signals: [sent])
                == .notASignalRecipient)
        #expect(
            check(Self.sealed(ack, from: Self.dji), ack, from: Self.dji, signals: [sent])
                == .notASignalRecipient)
        // Not a signal at all.
        #expect(
            check(Self.sealed(ack, from: Self.gemeente), ack, from: Self.gemeente) == .notASignalRecipient)
        // Readers other than the signal's.
        let wider = ReportBody.signalAck(
            SignalAcknowledgement(subject: sent.id, by: "P. Bakker", classification: .partners))
        #expect(
            check(Self.sealed(wider, from: Self.gemeente), wider, from: Self.gemeente, signals: [sent])
                == .signalReaders)
        let forwarded = ReportBody.signalFollowUp(
            SignalFollowUp(
                subject: sent.id, outcome: .forwarded, by: "P. Bakker", legalBasis: "WET-X",
                classification: readers))
        #expect(
            check(
                Self.sealed(forwarded, from: Self.gemeente), forwarded, from: Self.gemeente, signals: [sent])
                == .unknownLegalBasis)
        let meeting = ReportBody.signalFollowUp(
            SignalFollowUp(subject: sent.id, outcome: .caseMeeting, by: "P. Bakker", classification: readers))
        #expect(
            check(Self.sealed(meeting, from: Self.gemeente), meeting, from: Self.gemeente, signals: [sent])
                == nil)
    }
}
