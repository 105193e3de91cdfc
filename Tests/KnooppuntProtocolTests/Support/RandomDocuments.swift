import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Valid documents and wire messages drawn from a random number generator: every value the
/// codecs must carry, including texts at their length limits, non-ASCII and control
/// characters, far-away offsets and every enumeration case.
enum RandomDocuments {
    static let municipalities = Fixtures.reference.municipalities.keys.sorted()
    static let provinces = Fixtures.reference.provinces.keys.sorted()

    /// Pieces texts are made of: ASCII, accents, combining marks, emoji (with joiners), CJK,
    /// JSON's special characters, controls and Unicode whitespace.
    static let pieces: [String] = [
        "a", "Z", "7", " ", "Jaarbeurs", "é", "ë", "ß", "€", "🚒", "👩‍🚒", "中", "e\u{301}", "\n", "\r\n", "\t",
        "\"", "\\", "/", "\u{0}", "\u{1F}", "\u{7F}", "\u{85}", "\u{A0}", "\u{2028}", "\u{FEFF}", "{", "}",
        ": ", "- ", "#",
    ]

    static func text<G: RandomNumberGenerator>(max: Int, using rng: inout G) -> String {
        // Starts with a letter so it is never blank; sometimes exactly at the limit.
        var text = rng.pick(["A", "b", "Ü", "k"])
        let target = rng.chance(0.05) ? max : Int.random(in: 1...min(max, 40), using: &rng)
        while text.unicodeScalars.count < target {
            let piece = rng.pick(pieces)
            if text.unicodeScalars.count + piece.unicodeScalars.count > target { break }
            text += piece
        }
        while text.unicodeScalars.count < target { text += "x" }
        return text
    }

    static func timestamp<G: RandomNumberGenerator>(using rng: inout G) -> Timestamp {
        // Two days after 1970 so that every offset still writes a year of at least 1970.
        let ms = Int64.random(in: 172_800_000...4_102_444_800_000, using: &rng)
        let offset = rng.chance(0.3) ? 0 : Int16.random(in: -1439...1439, using: &rng)
        let rounded = rng.chance(0.5) ? ms / 1000 * 1000 : ms
        return Timestamp(millisecondsSinceEpoch: rounded, offsetMinutes: offset)
    }

    static func incidentID<G: RandomNumberGenerator>(using rng: inout G) -> IncidentID {
        let alphabet = Array("ABCXYZabcxyz0123456789-_.")
        let length = rng.chance(0.1) ? 64 : Int.random(in: 3...20, using: &rng)
        return IncidentID(String((0..<length).map { _ in rng.pick(alphabet) }))!
    }

    static func organisations<G: RandomNumberGenerator>(using rng: inout G) -> OrganisationSet {
        var set = OrganisationSet([rng.pick(OrganisationCode.all)])
        for code in OrganisationCode.all where rng.chance(0.1) { set.insert(code) }
        return set
    }

    static func classification<G: RandomNumberGenerator>(using rng: inout G) -> Classification {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: .publicInformation
        case 1: .partners
        case 2: .policeOnly
        case 3: .national
        default: .parties(organisations(using: &rng))
        }
    }

    static func list<T, G: RandomNumberGenerator>(
        _ range: ClosedRange<Int>, using rng: inout G, _ make: (inout G) -> T
    ) -> [T] {
        let count =
            rng.chance(0.03)
            ? range.upperBound : Int.random(in: range.lowerBound...min(range.upperBound, 4), using: &rng)
        return (0..<count).map { _ in make(&rng) }
    }

    static func optional<T, G: RandomNumberGenerator>(using rng: inout G, _ make: (inout G) -> T) -> T? {
        rng.chance(0.5) ? make(&rng) : nil
    }

    static func point<G: RandomNumberGenerator>(using rng: inout G) -> GeoPoint {
        if rng.chance(0.2) {
            return GeoPoint(latitude: rng.pick([-90, 0, 90, 52]), longitude: rng.pick([-180, 0, 180, 5]))
        }
        return GeoPoint(
            latitude: Double.random(in: -90...90, using: &rng),
            longitude: Double.random(in: -180...180, using: &rng))
    }

    static func document<G: RandomNumberGenerator>(using rng: inout G) -> ReportDocument {
        document(rng.pick(ReportType.allCases), using: &rng)
    }

    static func document<G: RandomNumberGenerator>(_ type: ReportType, using rng: inout G) -> ReportDocument {
        let name = DocumentLimits.nameCharacters
        let long = DocumentLimits.textCharacters
        let body: ReportBody
        switch type {
        case .incident:
            let id = incidentID(using: &rng)
            var location = IncidentLocation(
                municipality: optional(using: &rng) { $0.pick(municipalities) },
                point: optional(using: &rng) { point(using: &$0) },
                description: optional(using: &rng) { text(max: DocumentLimits.titleCharacters, using: &$0) })
            if location.municipality == nil && location.point == nil {
                location.municipality = Fixtures.utrecht
            }
            let merged = optional(using: &rng) { incidentID(using: &$0) }
            body = .incident(
                Incident(
                    id: id, title: text(max: DocumentLimits.titleCharacters, using: &rng),
                    kind: rng.pick(IncidentKind.allCases), location: location,
                    startedAt: timestamp(using: &rng),
                    lead: LeadAuthority(
                        organisation: rng.pick(OrganisationCode.all), function: text(max: name, using: &rng)),
                    status: rng.pick(IncidentStatus.allCases), mergedInto: merged == id ? nil : merged,
                    linked: list(0...DocumentLimits.listItems, using: &rng) { incidentID(using: &$0) },
                    classification: classification(using: &rng)))
        case .grip:
            body = .grip(
                GRIPChange(
                    incident: incidentID(using: &rng), level: rng.pick(GRIPLevel.allCases),
                    reason: text(max: long, using: &rng), decidedAt: timestamp(using: &rng),
                    classification: classification(using: &rng)))
        case .sitrep:
            body = .sitrep(sitrep(using: &rng))
        case .threat:
            let area: ThreatArea =
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: .national
                case 1: .province(rng.pick(provinces))
                default: .region(rng.pick(OrganisationCode.safetyRegions))
                }
            body = .threat(
                ThreatLevelChange(
                    area: area, level: Int.random(in: 1...5, using: &rng),
                    step: rng.pick(ThreatStep.allCases),
                    reason: text(max: long, using: &rng),
                    actionAdvice: optional(using: &rng) { text(max: long, using: &$0) },
                    reviewAt: optional(using: &rng) { timestamp(using: &$0) },
                    classification: classification(using: &rng)))
        case .ackRequest:
            body = .ackRequest(
                AcknowledgementRequest(
                    subject: ReportID.random(using: &rng), parties: organisations(using: &rng),
                    deadline: timestamp(using: &rng),
                    note: optional(using: &rng) { text(max: long, using: &$0) },
                    classification: classification(using: &rng)))
        case .ack:
            body = .ack(
                Acknowledgement(
                    subject: ReportID.random(using: &rng), by: text(max: name, using: &rng),
                    note: optional(using: &rng) { text(max: long, using: &$0) },
                    classification: classification(using: &rng)))
        case .measure:
            body = .measure(
                MunicipalMeasures(
                    municipality: rng.pick(municipalities),
                    incident: optional(using: &rng) { incidentID(using: &$0) },
                    measures: list(1...DocumentLimits.listItems, using: &rng) {
                        Measure(kind: $0.pick(MeasureKind.allCases), text: text(max: long, using: &$0))
                    }, classification: classification(using: &rng)))
        case .signal:
            let sender = rng.pick(OrganisationCode.all)
            var recipients = organisations(using: &rng).filter { $0 != sender }.prefix(
                Signal.maximumRecipients)
            if recipients.isEmpty { recipients = [OrganisationCode.all.first { $0 != sender }!] }
            let alphabet = Array("ABCxyz0189-_:.")
            let person = String(
                (0..<Int.random(in: 1...Signal.maximumPersonReference, using: &rng)).map { _ in
                    rng.pick(alphabet)
                })
            body = .signal(
                Signal(
                    sender: sender,
                    person: SignalShapes.isPseudonym(person) ? person : "P-\(person.prefix(60))",
                    kind: rng.pick(SignalKind.allCases), assessment: text(max: long, using: &rng),
                    legalBasis: rng.pick(["WJSG-39F", "AVG-6-1E-GEMW", "X1"]),
                    recipients: OrganisationSet(recipients),
                    retentionDays: Int.random(in: 1...Signal.maximumRetentionDays, using: &rng),
                    asked: rng.pick(SignalRequest.allCases)))
        case .signalAck:
            body = .signalAck(
                SignalAcknowledgement(
                    subject: ReportID.random(using: &rng), by: text(max: name, using: &rng),
                    note: optional(using: &rng) { text(max: long, using: &$0) },
                    classification: classification(using: &rng)))
        case .signalFollowUp:
            let outcome = rng.pick(SignalOutcome.allCases)
            body = .signalFollowUp(
                SignalFollowUp(
                    subject: ReportID.random(using: &rng), outcome: outcome, by: text(max: name, using: &rng),
                    note: optional(using: &rng) { text(max: long, using: &$0) },
                    legalBasis: outcome == .forwarded ? "WPOLG-20" : optional(using: &rng) { _ in "WGS-ZVH" },
                    classification: classification(using: &rng)))
        case .signalRead:
            body = .signalRead(
                SignalRead(
                    subject: ReportID.random(using: &rng), by: text(max: name, using: &rng),
                    role: rng.pick(["operator", "desk-officer"]),
                    at: Int64.random(in: 0...4_000_000_000_000, using: &rng),
                    classification: classification(using: &rng)))
        }
        return ReportDocument(
            id: optional(using: &rng) { ReportID.random(using: &$0) }, exercise: rng.chance(0.3),
            author: optional(using: &rng) { text(max: name, using: &$0) }, body: body)
    }

    static func sitrep<G: RandomNumberGenerator>(using rng: inout G) -> Sitrep {
        let long = DocumentLimits.textCharacters
        var beeld: [Discipline: DisciplinePicture] = [:]
        for discipline in Discipline.allCases where beeld.isEmpty || rng.chance(0.4) {
            beeld[discipline] = DisciplinePicture(
                text: text(max: long, using: &rng), classification: classification(using: &rng))
        }
        let oordeel = optional(using: &rng) {
            Assessment(
                bottlenecks: list(0...DocumentLimits.listItems, using: &$0) { text(max: long, using: &$0) },
                risks: list(0...DocumentLimits.listItems, using: &$0) { text(max: long, using: &$0) },
                prognosis: text(max: long, using: &$0), classification: classification(using: &$0))
        }
        let besluiten = optional(using: &rng) {
            Decisions(
                items: list(1...DocumentLimits.listItems, using: &$0) {
                    Decision(
                        text: text(max: long, using: &$0),
                        decidedBy: optional(using: &$0) {
                            text(max: DocumentLimits.nameCharacters, using: &$0)
                        },
                        at: optional(using: &$0) { timestamp(using: &$0) })
                }, classification: classification(using: &$0))
        }
        let acties = optional(using: &rng) {
            Actions(
                items: list(1...DocumentLimits.listItems, using: &$0) {
                    Action(
                        text: text(max: long, using: &$0),
                        owner: text(max: DocumentLimits.nameCharacters, using: &$0),
                        deadline: timestamp(using: &$0))
                }, classification: classification(using: &$0))
        }
        let communicatie = optional(using: &rng) { rng -> CrisisCommunication in
            var area = TargetArea(
                regions: list(0...DocumentLimits.listItems, using: &rng) {
                    $0.pick(OrganisationCode.safetyRegions)
                },
                municipalities: list(0...DocumentLimits.listItems, using: &rng) { $0.pick(municipalities) })
            if area.regions.isEmpty && area.municipalities.isEmpty { area.regions = [Fixtures.origin] }
            return CrisisCommunication(
                coreMessage: text(max: long, using: &rng), actionAdvice: text(max: long, using: &rng),
                targetArea: area, classification: classification(using: &rng))
        }
        return Sitrep(
            incident: incidentID(using: &rng), beeld: beeld, oordeel: oordeel, besluiten: besluiten,
            acties: acties,
            communicatie: communicatie, confidence: rng.pick(Confidence.allCases),
            verification: rng.pick(VerificationStatus.allCases),
            supersedes: optional(using: &rng) { ReportID.random(using: &$0) },
            nextUpdateDue: optional(using: &rng) { timestamp(using: &$0) })
    }

    // MARK: Wire messages

    static func sealed<G: RandomNumberGenerator>(using rng: inout G) -> SealedReport {
        let document = document(using: &rng)
        return SealedReport.seal(
            document, id: ReportID.random(using: &rng), origin: rng.pick(OrganisationCode.all),
            originSeq: UInt64.random(in: 1...UInt64(Int64.max), using: &rng), created: timestamp(using: &rng),
            signingKey: Fixtures.signingKey, codec: Fixtures.codec, random: &rng)
    }

    static func sequence<G: RandomNumberGenerator>(using rng: inout G) -> UInt64 {
        rng.chance(0.2) ? rng.pick([0, 1, UInt64.max]) : UInt64.random(in: 0...1_000_000, using: &rng)
    }

    static func clientMessage<G: RandomNumberGenerator>(using rng: inout G) -> ClientMessage {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            return .hello(
                applied: sequence(using: &rng), epoch: sequence(using: &rng),
                role: rng.pick(DaemonRole.allCases))
        case 1:
            return .submit(sealed(using: &rng))
        case 2:
            let from = UInt64.random(in: 1...UInt64.max - 1, using: &rng)
            return .fetch(
                from: from, to: rng.chance(0.5) ? from : UInt64.random(in: from...UInt64.max, using: &rng))
        default:
            var hash = ViewHash()
            hash.add((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
            return .status(
                DaemonStatus(
                    applied: UInt64.random(in: 0...UInt64(Int64.max), using: &rng),
                    epoch: UInt64.random(in: 0...UInt64(Int64.max), using: &rng), viewHash: hash.hex,
                    outboxBacklog: Int.random(in: 0...Int(Int32.max), using: &rng),
                    oldestQueuedMs: Int64.random(in: 0...Int64.max, using: &rng),
                    pid: Int32.random(in: 0...Int32.max, using: &rng),
                    sentAt: Int64.random(in: 0...Int64.max, using: &rng)))
        }
    }

    static func update<G: RandomNumberGenerator>(using rng: inout G) -> Update {
        let report = sealed(using: &rng)
        let view: View = rng.chance(0.3) ? .publicView : .organisation(rng.pick(OrganisationCode.all))
        return Update(
            sequence: sequence(using: &rng), epoch: sequence(using: &rng),
            committedAt: Int64.random(in: Int64.min...Int64.max, using: &rng),
            report: report.projected(for: view))
    }

    static func serverMessage<G: RandomNumberGenerator>(using rng: inout G) -> ServerMessage {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:
            return .ack(
                Ack(
                    reportID: ReportID.random(using: &rng), epoch: sequence(using: &rng),
                    sequence: sequence(using: &rng),
                    originSeq: sequence(using: &rng), duplicate: rng.chance(0.5), degraded: rng.chance(0.5)))
        case 1:
            let detail: JSONValue =
                rng.chance(0.5) ? [:] : ["field": .string(text(max: 40, using: &rng)), "expected": 18]
            return .error(
                reportID: optional(using: &rng) { ReportID.random(using: &$0) },
                code: rng.pick(ErrorCode.allCases),
                message: text(max: 200, using: &rng), detail: detail)
        case 2: return .update(update(using: &rng))
        case 3: return .entry(update(using: &rng))
        case 4:
            return .snapshot(
                sequence: sequence(using: &rng), epoch: sequence(using: &rng),
                count: Int.random(in: 0...Int.max, using: &rng))
        case 5:
            var hash = ViewHash()
            hash.add((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
            return .snapEnd(sequence: sequence(using: &rng), epoch: sequence(using: &rng), viewHash: hash.hex)
        case 6:
            return .heartbeat(
                Heartbeat(
                    role: rng.pick(NodeRole.allCases), epoch: sequence(using: &rng),
                    lastSequence: sequence(using: &rng),
                    nodeTime: Int64.random(in: Int64.min...Int64.max, using: &rng), degraded: rng.chance(0.5))
            )
        default:
            return .welcome(
                epoch: sequence(using: &rng), lastSequence: sequence(using: &rng),
                nextOriginSeq: sequence(using: &rng))
        }
    }
}
