import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Shared values for the protocol tests: one full document of every type, fixed keys and
/// helpers to seal and frame reports reproducibly.
enum Fixtures {
    static let codec = DocumentCodec()
    static let messages = MessageCodec()
    static let reference = ReferenceData.builtIn

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let examples = repository.appendingPathComponent("docs/examples")

    /// Fixed signing keys: VR09 signs the samples; the other key is an impostor.
    static let signingKey = try! SigningKey(rawRepresentation: Array(repeating: 9, count: 32))
    static let otherKey = try! SigningKey(rawRepresentation: Array(repeating: 13, count: 32))
    static let origin = OrganisationCode("VR09")!

    static func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }
    static func org(_ code: String) -> OrganisationCode { OrganisationCode(code)! }
    static let incidentID = IncidentID("VR09-20250611-01")!
    static let subjectID = ReportID("6f1c2a9e-3b7d-4c8e-9a1f-2d3e4f5a6b7c")!
    static let utrecht = MunicipalityCode("GM0344")

    /// One document of each type, with every optional field set.
    static func sample(_ type: ReportType) -> ReportDocument {
        let body: ReportBody
        switch type {
        case .incident:
            body = .incident(
                Incident(
                    id: incidentID, title: "Explosie in parkeergarage Jaarbeursplein",
                    kind: .possibleTerroristAttack,
                    location: IncidentLocation(
                        municipality: utrecht, point: GeoPoint(latitude: 52.0894, longitude: 5.1077),
                        description: "Jaarbeursplein"),
                    startedAt: time("2025-06-11T10:42:00+02:00"),
                    lead: LeadAuthority(organisation: origin, function: "Burgemeester van Utrecht"),
                    status: .reopened, mergedInto: IncidentID("VR09-20250611-00")!,
                    linked: [IncidentID("VR14-20250611-03")!], classification: .partners))
        case .grip:
            body = .grip(
                GRIPChange(
                    incident: incidentID, level: .grip3, reason: "Mogelijke aanslag",
                    decidedAt: time("2025-06-11T10:51:00.250+02:00"), classification: .publicInformation))
        case .sitrep:
            var beeld: [Discipline: DisciplinePicture] = [:]
            for discipline in Discipline.allCases {
                beeld[discipline] = DisciplinePicture(
                    text: "Beeld \(discipline.rawValue): \"aanhalingstekens\", \\ en\nregels",
                    classification: discipline == .pol ? .policeOnly : .partners)
            }
            body = .sitrep(
                Sitrep(
                    incident: incidentID, beeld: beeld,
                    oordeel: Assessment(
                        bottlenecks: ["Ambulancecapaciteit"], risks: ["Tweede locatie"],
                        prognosis: "Tot 14:00",
                        classification: .national),
                    besluiten: Decisions(
                        items: [
                            Decision(
                                text: "OV stil", decidedBy: "ROT", at: time("2025-06-11T10:58:00+02:00")),
                            Decision(text: "Scholen binnen"),
                        ], classification: .parties(OrganisationSet([origin, .national]))),
                    acties: Actions(
                        items: [
                            Action(
                                text: "Verwanteninformatie", owner: "ACBz",
                                deadline: time("2025-06-11T11:30:00Z"))
                        ], classification: .partners),
                    communicatie: CrisisCommunication(
                        coreMessage: "Ernstig incident", actionAdvice: "Mijd het gebied",
                        targetArea: TargetArea(regions: [origin], municipalities: [utrecht]),
                        classification: .publicInformation),
                    confidence: .medium, verification: .unconfirmed, supersedes: subjectID,
                    nextUpdateDue: time("2025-06-11T12:00:00+02:00")))
        case .threat:
            body = .threat(
                ThreatLevelChange(
                    area: .province(ProvinceCode("PV26")), level: 5, step: .declared, reason: "Aanwijzingen",
                    actionAdvice: "Blijf binnen", reviewAt: time("2025-06-11T18:00:00+02:00"),
                    classification: .publicInformation))
        case .ackRequest:
            body = .ackRequest(
                AcknowledgementRequest(
                    subject: subjectID, parties: OrganisationSet([origin, .police, .national]),
                    deadline: time("2025-06-11T11:45:00+02:00"), note: "Bevestig ontvangst",
                    classification: .national))
        case .ack:
            body = .ack(
                Acknowledgement(
                    subject: subjectID, by: "Calamiteitencoördinator", note: "Ontvangen",
                    classification: .parties(OrganisationSet([origin, .nctv]))))
        case .measure:
            body = .measure(
                MunicipalMeasures(
                    municipality: utrecht, incident: incidentID,
                    measures: [
                        Measure(kind: .schoolsClosed, text: "Scholen dicht"),
                        Measure(kind: .other, text: "Extra toezicht"),
                    ], classification: .partners))
        case .signal:
            body = .signal(
                Signal(
                    sender: origin, person: "VR09-P:2026.0042_a", kind: .violence,
                    assessment: "Dreigende uitlatingen", legalBasis: "WPOLG-16",
                    recipients: OrganisationSet([.police, .national]), retentionDays: 1_825,
                    asked: .discussCaseMeeting))
        case .signalAck:
            body = .signalAck(
                SignalAcknowledgement(
                    subject: subjectID, by: "Beleidsmedewerker", note: "Ontvangen",
                    classification: .parties(OrganisationSet([origin, .police]))))
        case .signalFollowUp:
            body = .signalFollowUp(
                SignalFollowUp(
                    subject: subjectID, outcome: .forwarded, by: "Beleidsmedewerker", note: "Doorgezet",
                    legalBasis: "AVG-6-1E-GEMW", classification: .parties(OrganisationSet([origin, .police])))
            )
        case .signalRead:
            body = .signalRead(
                SignalRead(
                    subject: subjectID, by: "Beleidsmedewerker (bmw)", role: "operator",
                    at: 1_764_950_100_000,
                    classification: .parties(OrganisationSet([origin, .police]))))
        }
        return ReportDocument(
            id: ReportID("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")!, exercise: type == .measure,
            author: "Informatiemanager", body: body)
    }

    /// The sample of `type` as its canonical JSON bytes.
    static func sampleJSON(_ type: ReportType) -> [UInt8] { JSONWriter.canonical(codec.encode(sample(type))) }

    /// Seals a document as VR09 with salts from `seed`.
    static func seal(
        _ document: ReportDocument, originSeq: UInt64 = 17, seed: UInt64 = 1, key: SigningKey = signingKey,
        origin: OrganisationCode = origin
    ) -> SealedReport {
        var random = SeededGenerator(seed: seed)
        let id = document.id ?? ReportID.random(using: &random)
        return SealedReport.seal(
            document, id: id, origin: origin, originSeq: originSeq,
            created: time("2025-06-11T10:52:00+02:00"),
            signingKey: key, codec: codec, random: &random)
    }

    /// The frames of a SUBMIT for a sealed report.
    static func submit(_ report: SealedReport) -> [[UInt8]] {
        MessageCodec.encode(ClientMessage.submit(report))
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every example in docs/examples: file name and bytes.
    static func exampleFiles() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter {
            $0.hasSuffix(".json") || $0.hasSuffix(".yaml")
        }.sorted()
        return try names.map { ($0, [UInt8](try Data(contentsOf: examples.appendingPathComponent($0)))) }
    }
}

extension Problems {
    /// Whether some problem has this code at this field.
    func contains(_ code: ErrorCode, at field: String) -> Bool {
        problems.contains { $0.code == code && $0.field == field }
    }
}

/// Reads and decodes a document as `knooppunt validate` does.
func decodeDocument(_ bytes: [UInt8]) -> Result<ReportDocument, Problems> {
    Result { () throws(Problems) in try Fixtures.codec.decode(try DocumentReader.read(bytes)) }
}
