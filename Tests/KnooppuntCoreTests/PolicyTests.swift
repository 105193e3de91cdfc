import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import StrictJSON
import Testing

/// One negative test per rule of the built-in policy (config/policy.yaml): a writer the rule
/// does not allow is refused with the rule's code and the rule's id in the message, and one it
/// does allow is accepted. A rule added to the file without a case here fails the test.
@Suite("Write policy: a negative test per rule")
struct PolicyRuleTests {
    /// A sitrep on the tram attack that carries action advice for `area`.
    static func advice(_ area: TargetArea) -> ReportDocument {
        ReportDocument(
            body: .sitrep(
                Sitrep(
                    incident: Documents.tramAttack,
                    beeld: [
                        .brw: DisciplinePicture(text: "Brandweer ter plaatse", classification: .partners)
                    ],
                    communicatie: CrisisCommunication(
                        coreMessage: "Vermijd het centrum", actionAdvice: "Blijf binnen", targetArea: area,
                        classification: .publicInformation),
                    confidence: .medium, verification: .unconfirmed)))
    }

    /// The refusal of `report`: its code and its message.
    static func refusal(_ node: inout TestNode, _ report: SealedReport) -> (ErrorCode, String)? {
        guard case .rejectAndConsume(let rejection) = node.submit(report) else { return nil }
        return (rejection.problem.code, rejection.problem.message)
    }

    @Test(
        "every rule refuses a writer it does not allow and admits one it does",
        arguments: WritePolicy.builtIn.rules)
    func rule(_ rule: PolicyRule) throws {
        let network = Network()
        var node = TestNode(network)
        var seqs: [OrganisationCode: UInt64] = [:]
        func seal(_ document: ReportDocument, _ origin: OrganisationCode) -> SealedReport {
            seqs[origin, default: 0] += 1
            return network.seal(document, origin: origin, originSeq: seqs[origin]!)
        }
        // VR09 opens the tram attack and leads it.
        try node.accept(seal(Documents.incident(), Org.vr09))
        let refused: SealedReport
        let allowed: SealedReport
        switch rule.id {
        case "threat-levels":
            refused = seal(Documents.threat(.national, level: 5), Org.vr09)
            allowed = seal(Documents.threat(.national, level: 5), Org.nctv)
        case "grip-by-lead":
            refused = seal(Documents.grip(.grip3), Org.vr10)
            allowed = seal(Documents.grip(.grip3), Org.vr09)
        case "grip-rijk":
            // VR09 opened the incident but handed the lead to VR10: it may still change the
            // GRIP, but GRIP Rijk is for the lead or the national level.
            try node.accept(seal(Documents.incident(lead: Org.vr10), Org.vr09))
            refused = seal(Documents.grip(.rijk), Org.vr09)
            allowed = seal(Documents.grip(.rijk), Org.vr10)
        case "incident-owner":
            refused = seal(Documents.incident(title: "Overname"), Org.vr10)
            allowed = seal(Documents.incident(status: .closed), Org.vr09)
        case "measures-own-municipalities":
            refused = seal(Documents.measure(), Org.vr10)
            allowed = seal(Documents.measure(), Org.vr09)
        case "national-advice":
            let twoRegions = TargetArea(regions: [Org.vr09, Org.vr10])
            refused = seal(Self.advice(twoRegions), Org.vr09)
            allowed = seal(Self.advice(twoRegions), Org.nctv)
        case "regional-advice":
            let utrecht = TargetArea(municipalities: [Documents.utrecht])
            refused = seal(Self.advice(utrecht), Org.vr10)
            allowed = seal(Self.advice(utrecht), Org.vr09)
        case "ack-requests":
            let threat = seal(Documents.threat(.national, level: 5, step: .declared), Org.nctv)
            try node.accept(threat)
            refused = seal(Documents.ackRequest(threat.id, parties: [Org.vr09]), Org.vr10)
            allowed = seal(Documents.ackRequest(threat.id, parties: [Org.vr09]), Org.national)
        default:
            Issue.record("rule \(rule.id) has no negative test: add a case here")
            return
        }
        let (code, message) = try #require(Self.refusal(&node, refused), "rule \(rule.id) did not refuse")
        #expect(code == rule.code)
        #expect(message.contains("policy rule \(rule.id)"))
        try node.accept(allowed)
    }
}

@Suite("Write policy: police-internal terms and the policy file")
struct PolicyFileTests {
    static let configFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config/policy.yaml")

    @Test(
        "free text carrying a police-internal term is refused (E302) naming the field, whatever its spelling")
    func policeInternalTerm() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        var seq: UInt64 = 1
        for text in [
            "Verdachte is vuurwapengevaarlijk", "VUURWAPEN-GEVAARLIJK, let op", "volgens de CIE informatie",
            "Verdachte is vuurwapengevaarlïjk", "CIE‑informatie (Ré)",
        ] {
            seq += 1
            let report = network.seal(Documents.sitrep(brw: text), origin: Org.vr09, originSeq: seq)
            guard case .rejectAndConsume(let rejection) = node.submit(report) else {
                Issue.record("\"\(text)\" was not refused")
                continue
            }
            #expect(rejection.problem.code == .policeInternalTerm)
            #expect(rejection.problem.field == "beeld.BRW.text")
        }
        // The police too: its internal labels are typed data in its own store, never free text.
        let police = network.seal(
            Documents.sitrep(pol: "Dader vluchtgevaarlijk"), origin: Org.police, originSeq: 1)
        #expect(node.submit(police).consumed == .policeInternalTerm)
        // An ordinary word is not a term.
        try node.accept(
            network.seal(Documents.sitrep(brw: "Situatie gevaarlijk"), origin: Org.vr09, originSeq: seq + 1))
    }

    @Test(
        "the node's term search over the JSON a report was decoded from finds what the search over its document finds, at the same field"
    )
    func termSearchOverDecodedJSON() throws {
        let network = Network()
        let policy = WritePolicy.builtIn.policeInternal
        let documents: [(ReportDocument, OrganisationCode)] = [
            (Documents.incident(), Org.vr09),
            (Documents.sitrep(), Org.vr09),
            (Documents.sitrep(brw: "Verdachte is vuurwapengevaarlijk"), Org.vr09),
            (Documents.sitrep(pol: "volgens de CIE-informatie"), Org.police),
            (Documents.sitrep(brw: "CIE‑informatie (Ré)", pol: "vluchtgevaarlijk"), Org.vr09),
            (Documents.measure(), Org.vr09),
            // A term in a field the envelope carries (read from the envelope, not a section).
            (
                ReportDocument(
                    exercise: true, author: "Bron: CIE-informatie",
                    body: Documents.sitrep(brw: "Situatie onder controle").body), Org.vr09
            ),
        ]
        var found = 0
        for (index, (document, origin)) in documents.enumerated() {
            let report = network.seal(document, origin: origin, originSeq: UInt64(index + 1))
            let (decoded, text) = try report.documentAndText(codec: network.codec)
            let overJSON = policy.search(documentText: text)
            let overDocument = policy.search(decoded)
            #expect(overJSON?.path == overDocument?.path)
            #expect(overJSON?.term == overDocument?.term)
            if overJSON != nil { found += 1 }
        }
        #expect(found == 4)
    }

    @Test(
        "police-internal labels: only the police attaches them, only the policy's, named as the policy names them"
    )
    func policeLabels() throws {
        let policy = WritePolicy.builtIn.policeInternal
        let labels = try policy.labels(
            ["Vuurwapen-gevaarlijk", "vluchtgevaarlijk", "VUURWAPENGEVAARLIJK"], for: .police)
        #expect(labels.map(\.name) == ["vuurwapengevaarlijk", "vluchtgevaarlijk"])
        #expect(try policy.labels([], for: Org.vr09).isEmpty)
        #expect(throws: Problem.self) { try policy.labels(["vuurwapengevaarlijk"], for: Org.vr09) }
        do {
            _ = try policy.labels(["vuurwapengevaarlijk"], for: Org.vr09)
        } catch {
            #expect(error.code == .notPermitted)
            #expect(error.field == "policeLabels")
        }
        do {
            _ = try policy.labels(["verdacht"], for: .police)
            Issue.record("an unlisted label was accepted")
        } catch {
            #expect(error.code == .unknownValue)
        }
    }

    @Test("the built-in policy is config/policy.yaml (run scripts/embed-reference-data.sh after edits)")
    func builtInMatchesFile() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.configFile))
        let fromFile = try WritePolicy(yaml: bytes)
        #expect(fromFile.digest == WritePolicy.builtIn.digest)
        #expect(fromFile.rules == WritePolicy.builtIn.rules)
        #expect(WritePolicy.builtIn.rules.count == 8)
    }

    @Test("a policy file with a mistake is refused, naming the rule and field; it is never guessed")
    func mistakes() {
        let cases: [(String, String)] = [
            ("version: 2\nrules: []", "version must be 1"),
            (
                "version: 1\nrules:\n  - id: a\n    writes: threat\n    allowed: [NCTV, the mayor]\n    says: x",
                "the mayor"
            ),
            (
                "version: 1\nrules:\n  - id: a\n    writes: weather\n    allowed: [NCTV]\n    says: x",
                "writes must be one of"
            ),
            (
                "version: 1\nrules:\n  - id: a\n    writes: threat\n    allowed: [NCTV]\n    code: 500\n    says: x",
                "code must be"
            ),
            ("version: 1\nrules: []\npoliceInternal:\n  terms: [CIE]", "fewer than 6"),
            ("version: 1\nrules: []\nextra: 1", "unknown key extra"),
        ]
        for (text, message) in cases {
            #expect {
                try WritePolicy(yaml: Array(text.utf8))
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test("a deployment's own policy file replaces the built-in one: a rule it drops no longer refuses")
    func ownPolicy() throws {
        let text = """
            version: 1
            rules:
              - id: threat-levels
                writes: threat
                allowed: [NCTV, NATIONAL]
                says: NCTV and the national desk set threat levels
            """
        let policy = try WritePolicy(yaml: Array(text.utf8))
        let network = Network()
        var coordinator = network.coordinator()
        coordinator.reconfigure(signingKeys: SigningKeySet.current(network.verifyingKeys), policy: policy)
        let threat = network.seal(Documents.threat(.national, level: 4), origin: Org.national, originSeq: 1)
        guard case .accept = coordinator.decide(threat, sender: Org.national, now: 0, lookup: { _ in nil })
        else {
            Issue.record("the deployment's policy was not applied")
            return
        }
        let region = network.seal(Documents.threat(.national, level: 4), origin: Org.vr09, originSeq: 1)
        guard
            case .rejectAndConsume(let rejection) = coordinator.decide(
                region, sender: Org.vr09, now: 0, lookup: { _ in nil })
        else {
            Issue.record("a region's threat was not refused")
            return
        }
        #expect(rejection.problem.code == .notPermitted)
    }
}
