import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// The product's SplitMix64: every random choice of these tests replays from its seed.
public typealias SeededGenerator = SeededRandom

/// Organisation codes the tests use, checked once.
public enum Org {
    public static let vr09 = OrganisationCode("VR09")!
    public static let vr10 = OrganisationCode("VR10")!
    public static let vr12 = OrganisationCode("VR12")!
    public static let vr13 = OrganisationCode("VR13")!
    public static let national = OrganisationCode.national
    public static let nctv = OrganisationCode.nctv
    public static let police = OrganisationCode.police
}

/// The network as the tests see it: a signing key per organisation, a codec, and a seeded
/// generator for salts and ids. Sealing needs no clock: `created` is derived from the origin
/// sequence, so the same calls give the same bytes.
public final class Network {
    public let codec = DocumentCodec()
    public let signingKeys: [OrganisationCode: SigningKey]
    public var random: SeededGenerator

    public init(seed: UInt64 = 2019_03_18) {
        signingKeys = Dictionary(
            uniqueKeysWithValues: OrganisationCode.all.map { ($0, SigningKey.generate()) })
        random = SeededGenerator(seed: seed)
    }

    public var verifyingKeys: [OrganisationCode: VerifyingKey] { signingKeys.mapValues(\.publicKey) }

    /// 18 March 2019, 10:45 in Utrecht: the moment every fixture starts from.
    public static let start = Timestamp(rfc3339: "2019-03-18T10:45:00+01:00")!

    public func newID() -> ReportID { ReportID.random(using: &random) }

    /// Seals `document` as `origin` at `originSeq`, signed with `signer`'s key (the origin's
    /// own unless a test forges it).
    public func seal(
        _ document: ReportDocument, origin: OrganisationCode, originSeq: UInt64, id: ReportID? = nil,
        signer: OrganisationCode? = nil
    ) -> SealedReport {
        SealedReport.seal(
            document, id: id ?? newID(), origin: origin, originSeq: originSeq,
            created: Self.start.adding(milliseconds: Int64(originSeq) * 60_000),
            signingKey: signingKeys[signer ?? origin]!, codec: codec, random: &random)
    }

    /// Seals `documents` as `origin` from `firstOriginSeq` on under one batch signature (docs/
    /// PROTOCOL.md §4), as a daemon seals what its outbox sends at once.
    public func sealBatch(
        _ documents: [ReportDocument], origin: OrganisationCode, firstOriginSeq: UInt64
    ) -> [SealedReport] {
        let unsigned = documents.enumerated().map { offset, document in
            let originSeq = firstOriginSeq + UInt64(offset)
            return SealedReport.unsigned(
                document, id: newID(), origin: origin, originSeq: originSeq,
                created: Self.start.adding(milliseconds: Int64(originSeq) * 60_000), codec: codec,
                random: &random)
        }
        return BatchSeal.seal(unsigned, with: signingKeys[origin]!)
    }

    /// A coordinator for a fresh node in epoch 1 that knows every organisation's key.
    public func coordinator(epoch: Epoch = 1) -> Coordinator {
        Coordinator(
            epoch: epoch, lastSequence: 0, lastOriginSeq: [:], incidents: [:], verifyingKeys: verifyingKeys,
            codec: codec)
    }
}

/// Report documents of the Utrecht tram attack, built from the domain types.
public enum Documents {
    public static let utrecht = MunicipalityCode("GM0344")
    public static let amersfoort = MunicipalityCode("GM0307")
    public static let tramAttack = IncidentID("VR09-20190318-01")!

    public static func at(minutes: Int64) -> Timestamp {
        Network.start.adding(milliseconds: minutes * 60_000)
    }

    public static func incident(
        _ id: IncidentID = tramAttack, in municipality: MunicipalityCode = utrecht,
        lead: OrganisationCode = Org.vr09, title: String = "Schietincident tram 24 Oktoberplein",
        status: IncidentStatus = .open, classification: Classification = .partners, exercise: Bool = false
    ) -> ReportDocument {
        ReportDocument(
            exercise: exercise, author: "Informatiemanager ROT",
            body: .incident(
                Incident(
                    id: id, title: title, kind: .possibleTerroristAttack,
                    location: IncidentLocation(municipality: municipality, description: "24 Oktoberplein"),
                    startedAt: at(minutes: 0),
                    lead: LeadAuthority(organisation: lead, function: "Burgemeester"),
                    status: status, classification: classification)))
    }

    public static func grip(
        _ level: GRIPLevel, incident: IncidentID = tramAttack, classification: Classification = .partners
    ) -> ReportDocument {
        ReportDocument(
            body: .grip(
                GRIPChange(
                    incident: incident, level: level, reason: "Mogelijke terroristische aanslag",
                    decidedAt: at(minutes: 10), classification: classification)))
    }

    /// A sitrep whose sections reach different audiences: the fire service picture for all
    /// partners, the police picture for the police only, the multidisciplinary picture for the
    /// national level, the judgement for VR09 and the police, the public message for everyone.
    public static func sitrep(
        incident: IncidentID = tramAttack, brw: String = "Brandweer ter plaatse, geen brand",
        pol: String = "Dader voortvluchtig, zoekactie loopt", full: Bool = true
    ) -> ReportDocument {
        var beeld: [Discipline: DisciplinePicture] = [
            .brw: DisciplinePicture(text: brw, classification: .partners),
            .pol: DisciplinePicture(text: pol, classification: .policeOnly),
        ]
        var oordeel: Assessment?
        var communicatie: CrisisCommunication?
        if full {
            beeld[.multi] = DisciplinePicture(
                text: "Dreiging onduidelijk, opschaling GRIP 3", classification: .national)
            oordeel = Assessment(
                bottlenecks: ["Capaciteit traumazorg"], risks: ["Tweede dader"], prognosis: "Onzeker",
                classification: .parties(OrganisationSet([Org.vr09, Org.police])))
            communicatie = CrisisCommunication(
                coreMessage: "Vermijd het 24 Oktoberplein", actionAdvice: "Blijf binnen",
                targetArea: TargetArea(municipalities: [utrecht]), classification: .publicInformation)
        }
        return ReportDocument(
            body: .sitrep(
                Sitrep(
                    incident: incident, beeld: beeld, oordeel: oordeel, communicatie: communicatie,
                    confidence: .medium, verification: .unconfirmed)))
    }

    public static func threat(
        _ area: ThreatArea, level: Int, step: ThreatStep = .announced, exercise: Bool = false
    ) -> ReportDocument {
        ReportDocument(
            exercise: exercise,
            body: .threat(
                ThreatLevelChange(
                    area: area, level: level, step: step, reason: "Aanslag in Utrecht",
                    classification: .publicInformation)))
    }

    public static func ackRequest(_ subject: ReportID, parties: [OrganisationCode]) -> ReportDocument {
        ReportDocument(
            body: .ackRequest(
                AcknowledgementRequest(
                    subject: subject, parties: OrganisationSet(parties), deadline: at(minutes: 30),
                    classification: .partners)))
    }

    public static func ack(_ subject: ReportID) -> ReportDocument {
        ReportDocument(
            body: .ack(
                Acknowledgement(subject: subject, by: "Officier van dienst", classification: .partners)))
    }

    public static func measure(_ municipality: MunicipalityCode = utrecht) -> ReportDocument {
        ReportDocument(
            body: .measure(
                MunicipalMeasures(
                    municipality: municipality, incident: tramAttack,
                    measures: [Measure(kind: .stayInside, text: "Blijf binnen in de binnenstad")],
                    classification: .publicInformation)))
    }
}

/// A temporary folder removed when the test is done.
public struct TemporaryFolder: ~Copyable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
