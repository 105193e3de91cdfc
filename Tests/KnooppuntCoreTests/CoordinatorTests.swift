import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import StrictJSON
import Testing

@Suite("Coordinator: order, duplicates, origin binding")
struct CoordinatorOrderTests {
    @Test("origin sequence N is accepted only after N-1; a gap is E400 with the expected number")
    func outOfOrder() throws {
        let network = Network()
        var node = TestNode(network)
        let first = network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1)
        let second = network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2)

        let early = node.submit(second)
        #expect(early.refusal == .outOfOrder)
        #expect(early.refusalDetail == ["expected": 1])
        #expect(node.coordinator.nextOriginSeq(for: Org.vr09) == 1)
        #expect(node.coordinator.lastSequence == 0)

        #expect(try node.accept(first).sequence == 1)
        #expect(try node.accept(second).sequence == 2)
        #expect(node.coordinator.nextOriginSeq(for: Org.vr09) == 3)
    }

    @Test("a duplicate repeats the original ACK and never takes a new sequence")
    func duplicateAccepted() throws {
        let network = Network()
        var node = TestNode(network)
        let report = network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1)
        let original = try node.accept(report)
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))

        for _ in 0..<3 {
            let again = node.submit(report)
            guard case .accepted(let ack, let origin)? = again.repeated else {
                Issue.record("expected a repeated ACK, got \(again)")
                return
            }
            #expect(ack.sequence == original.sequence)
            #expect(ack.epoch == original.epoch)
            #expect(ack.duplicate)
            #expect(origin == Org.vr09)
        }
        #expect(node.coordinator.lastSequence == 2)
        #expect(node.accepted.count == 2)
    }

    @Test("a duplicate of a refused report repeats the refusal")
    func duplicateRejected() throws {
        let network = Network()
        var node = TestNode(network)
        let report = network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 1)
        #expect(node.submit(report).consumed == .unknownIncident)

        let again = node.submit(report)
        guard case .rejected(let rejection)? = again.repeated else {
            Issue.record("expected the refusal repeated, got \(again)")
            return
        }
        #expect(rejection.problem.code == .unknownIncident)
        #expect(rejection.originSeq == 1)
        #expect(node.coordinator.lastSequence == 0)
        #expect(node.coordinator.nextOriginSeq(for: Org.vr09) == 2)
    }

    @Test("an origin sequence already used, under a new report id, is stale (E401)")
    func staleOriginSequence() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))

        let replay = node.submit(
            network.seal(Documents.sitrep(brw: "Anders"), origin: Org.vr09, originSeq: 1))
        #expect(replay.refusal == .staleOriginSequence)
        #expect(replay.refusalDetail == ["expected": 3])
        #expect(node.coordinator.lastSequence == 2)
        #expect(node.coordinator.nextOriginSeq(for: Org.vr09) == 3)
    }

    @Test("a report id accepted from one origin is stale when another origin replays it")
    func replayedIDFromAnotherOrigin() throws {
        let network = Network()
        var node = TestNode(network)
        let id = network.newID()
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1, id: id))
        try node.accept(
            network.seal(Documents.incident(IncidentID("VR10-20190318-01")!), origin: Org.vr10, originSeq: 1))

        let replay = node.submit(network.seal(Documents.sitrep(), origin: Org.vr10, originSeq: 1, id: id))
        #expect(replay.refusal == .staleOriginSequence)
        #expect(node.coordinator.lastSequence == 2)
    }

    @Test("a report claiming another origin than the sender is E300 and uses up no origin sequence")
    func originBinding() throws {
        let network = Network()
        var node = TestNode(network)
        let report = network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1)

        let spoofed = node.submit(report, from: Org.vr10)
        #expect(spoofed.refusal == .originMismatch)
        #expect(node.coordinator.nextOriginSeq(for: Org.vr09) == 1)
        #expect(node.coordinator.nextOriginSeq(for: Org.vr10) == 1)
        #expect(node.log.isEmpty)

        #expect(try node.accept(report).sequence == 1)
    }

    @Test("a report signed with another organisation's key is E218 and uses up its origin sequence")
    func forgedSignature() throws {
        let network = Network()
        var node = TestNode(network)
        let forged = network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1, signer: Org.vr10)

        #expect(node.submit(forged).consumed == .badSignature)
        #expect(node.coordinator.nextOriginSeq(for: Org.vr09) == 2)
        #expect(node.coordinator.lastSequence == 0)
        #expect(node.picture.count == 0)
    }

    @Test("an organisation without a configured key cannot have a report accepted (E218)")
    func unknownKey() throws {
        let network = Network()
        var keys = network.verifyingKeys
        keys.removeValue(forKey: Org.vr09)
        var coordinator = Coordinator(
            epoch: 1, lastSequence: 0, lastOriginSeq: [:], incidents: [:], verifyingKeys: keys,
            codec: network.codec)
        let report = network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1)
        let decision = coordinator.decide(report, sender: Org.vr09, now: 0) { _ in nil }
        #expect(decision.consumed == .badSignature)
    }

    @Test("a section changed on the way fails its digest when the frames are read (E217)")
    func tamperedSection() throws {
        let network = Network()
        let report = network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 1)
        var sections = report.sections.map { $0! }
        sections[0] = Array(#"{"text":"Niets aan de hand"}"#.utf8)

        #expect {
            try SealedReport.decode(
                envelope: report.envelopeBytes, signature: report.signature, sections: sections,
                allowWithheld: false, reference: .builtIn)
        } throws: { error in
            (error as? Problems)?.first.code == .digestMismatch
        }
    }

    @Test("an envelope changed on the way still decodes but fails the signature (E218)")
    func tamperedEnvelope() throws {
        let network = Network()
        var node = TestNode(network)
        let report = network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1)
        var envelope = report.envelope
        envelope.author = "Iemand anders"
        let tampered = try SealedReport.decode(
            envelope: envelope.canonicalBytes, signature: report.signature,
            sections: report.sections.map { $0! }, allowWithheld: false, reference: .builtIn)

        #expect(node.submit(tampered).consumed == .badSignature)
        #expect(node.coordinator.lastSequence == 0)
    }

    @Test("the global sequence rises by exactly one per accepted report and never for a refusal")
    func globalSequence() throws {
        let network = Network()
        var node = TestNode(network)
        var seq: [OrganisationCode: UInt64] = [:]
        func next(_ org: OrganisationCode) -> UInt64 {
            seq[org, default: 0] += 1
            return seq[org]!
        }
        // Refused in between: a sitrep before its incident (E402), a region's threat and a
        // GRIP change by a region that does not lead (E301).
        let submits: [SealedReport] = [
            network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: next(Org.vr09)),
            network.seal(Documents.incident(), origin: Org.vr09, originSeq: next(Org.vr09)),
            network.seal(Documents.threat(.national, level: 4), origin: Org.vr10, originSeq: next(Org.vr10)),
            network.seal(Documents.threat(.national, level: 4), origin: Org.nctv, originSeq: next(Org.nctv)),
            network.seal(Documents.grip(.grip3), origin: Org.vr10, originSeq: next(Org.vr10)),
            network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: next(Org.vr09)),
            network.seal(Documents.sitrep(), origin: Org.police, originSeq: next(Org.police)),
        ]
        var sequences: [SequenceNumber] = []
        for report in submits {
            let before = node.coordinator.lastSequence
            let decision = node.submit(report)
            if let update = decision.update {
                #expect(update.sequence == before + 1)
                sequences.append(update.sequence)
            } else {
                #expect(node.coordinator.lastSequence == before)
            }
        }
        #expect(sequences == [1, 2, 3, 4])
        #expect(node.rejected.map(\.problem.code) == [.unknownIncident, .notPermitted, .notPermitted])
        #expect(node.coordinator.lastSequence == 4)
    }

    @Test(
        "seeded resends in any order: each origin's reports land once, in its order, on consecutive sequences"
    )
    func seededResends() throws {
        let network = Network(seed: 7)
        var node = TestNode(network)
        var random = SeededGenerator(seed: 42)
        let origins = [Org.vr09, Org.vr10, Org.nctv]
        var reports: [OrganisationCode: [SealedReport]] = [:]
        for origin in origins {
            reports[origin] = (1...8).map { n in
                network.seal(
                    Documents.threat(.national, level: 1 + n % 5), origin: origin, originSeq: UInt64(n))
            }
        }
        // NCTV may set threat levels; the regions' threats are refused but still use up their
        // origin sequence, which must not stop the reports behind them.
        var answered: [OrganisationCode: Int] = [:]
        var firstAnswer: [ReportID: SubmitDecision] = [:]
        for _ in 0..<2_000 {
            let origin = origins.randomElement(using: &random)!
            let done = answered[origin, default: 0]
            guard done < 8 else { continue }
            // An outbox resends its window: anything from already answered up to two ahead.
            let index = Int.random(in: max(0, done - 2)...min(7, done + 2), using: &random)
            let report = reports[origin]![index]
            let decision = node.submit(report)
            if index == done {
                #expect(decision.update != nil || decision.consumed != nil)
                firstAnswer[report.id] = decision
                answered[origin] = done + 1
            } else if index < done {
                #expect(decision.repeated != nil)
            } else {
                #expect(decision.refusal == .outOfOrder)
            }
        }
        #expect(origins.allSatisfy { answered[$0] == 8 })
        let sequences = node.accepted.map(\.update.sequence)
        #expect(sequences == Array(1...SequenceNumber(node.accepted.count)))
        let nctv = node.accepted.filter { $0.update.report.origin == Org.nctv }
        #expect(nctv.map(\.update.report.envelope.originSeq) == Array(1...8))
        #expect(Set(node.accepted.map(\.update.report.id)).count == node.accepted.count)
        #expect(node.rejected.count == 16)
    }
}

@Suite("Coordinator: write policy and references")
struct CoordinatorPolicyTests {
    @Test("only NCTV sets threat levels: a region's threat is E301")
    func threatFromRegion() throws {
        let network = Network()
        var node = TestNode(network)
        #expect(
            node.submit(network.seal(Documents.threat(.national, level: 5), origin: Org.vr09, originSeq: 1))
                .consumed
                == .notPermitted)
        #expect(
            node.submit(network.seal(Documents.threat(.national, level: 5), origin: Org.police, originSeq: 1))
                .consumed == .notPermitted)
        try node.accept(network.seal(Documents.threat(.national, level: 5), origin: Org.nctv, originSeq: 1))
    }

    @Test("only the lead or the opener changes an incident's GRIP: another region is E301")
    func gripByOtherRegion() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))

        #expect(
            node.submit(network.seal(Documents.grip(.grip3), origin: Org.vr10, originSeq: 1)).consumed
                == .notPermitted)
        try node.accept(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 2))
    }

    @Test("a new lead named in an incident update may change the GRIP; the opener still may")
    func gripAfterLeadChange() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.incident(lead: Org.national), origin: Org.vr09, originSeq: 2))

        try node.accept(network.seal(Documents.grip(.grip4), origin: Org.national, originSeq: 1))
        try node.accept(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 3))
        #expect(
            node.coordinator.incidents[Documents.tramAttack.rawValue]
                == IncidentRecord(opener: Org.vr09, lead: Org.national))
    }

    @Test("a GRIP change for an incident not in the picture is E402")
    func gripUnknownIncident() throws {
        let network = Network()
        var node = TestNode(network)
        #expect(
            node.submit(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 1)).consumed
                == .unknownIncident)
    }

    @Test("a sitrep about an unknown incident is E402")
    func sitrepUnknownIncident() throws {
        let network = Network()
        var node = TestNode(network)
        #expect(
            node.submit(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 1)).consumed
                == .unknownIncident)
        // Any organisation reports on a known incident.
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 2))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.police, originSeq: 1))
    }

    @Test("an exercise incident does not make the real incident known")
    func exerciseScope() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(exercise: true), origin: Org.vr09, originSeq: 1))
        #expect(
            node.submit(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2)).consumed
                == .unknownIncident)
    }

    @Test("an incident update by an organisation that neither opened nor leads it is E403")
    func incidentConflict() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        #expect(
            node.submit(network.seal(Documents.incident(title: "Overname"), origin: Org.vr10, originSeq: 1))
                .consumed == .incidentConflict)
        try node.accept(network.seal(Documents.incident(status: .closed), origin: Org.vr09, originSeq: 2))
    }

    @Test("a region reports measures only for its own municipalities (E301)")
    func measureOutsideRegion() throws {
        let network = Network()
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        #expect(
            node.submit(network.seal(Documents.measure(), origin: Org.vr10, originSeq: 1)).consumed
                == .notPermitted)
        try node.accept(network.seal(Documents.measure(), origin: Org.vr09, originSeq: 2))
    }

    @Test("an acknowledgement of a report that is not in the log is E404; of one that is, accepted")
    func ackSubject() throws {
        let network = Network()
        var node = TestNode(network)
        let threat = network.seal(
            Documents.threat(.national, level: 5, step: .declared), origin: Org.nctv, originSeq: 1)

        #expect(
            node.submit(network.seal(Documents.ack(threat.id), origin: Org.vr09, originSeq: 1)).consumed
                == .unknownReport)

        try node.accept(threat)
        try node.accept(
            network.seal(Documents.ackRequest(threat.id, parties: [Org.vr09]), origin: Org.nctv, originSeq: 2)
        )
        try node.accept(network.seal(Documents.ack(threat.id), origin: Org.vr09, originSeq: 2))
    }

    @Test("a refused report cannot be the subject of an acknowledgement")
    func ackOfRefused() throws {
        let network = Network()
        var node = TestNode(network)
        let refused = network.seal(Documents.threat(.national, level: 5), origin: Org.vr09, originSeq: 1)
        #expect(node.submit(refused).consumed == .notPermitted)
        #expect(
            node.submit(network.seal(Documents.ack(refused.id), origin: Org.vr10, originSeq: 1)).consumed
                == .unknownReport)
    }
}
