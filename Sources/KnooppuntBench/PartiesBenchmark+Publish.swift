import Foundation
import Histogram
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

extension PartiesBenchmark {
    /// What the publishing phase hands to the figures.
    struct Phase {
        /// The sequences of the phase's reports (the end marker excluded).
        var sequences: Set<UInt64>
        var reports: Int
        var seconds: Double
        var cpuSeconds: Double
        var wallSeconds: Double
        var rssBefore: Double
        var rssAfter: Double
    }

    /// `rate` reports per second for `seconds`, from the regions in turn; one in
    /// ``PartiesConfiguration/groupEvery`` also carries a section for the group. Then the end
    /// marker, and the wait until every party's process has it.
    func publish() throws -> Phase {
        let total = max(1, Int(Double(configuration.rate) * configuration.seconds))
        let interval = UInt64(1e9 / Double(configuration.rate))
        let pid = processes.pid(of: PairRole.primary.rawValue) ?? 0
        let sampler = NodeSampler(
            endpoint: folder.nodeControlEndpoint, pid: pid, interval: Self.sampleInterval)
        let rssBefore = NodeSampler.rssMegabytes(pid)
        let cpuBefore = NodeSampler.cpuSeconds(pid)
        ackLatency.reset()
        sampler.start()
        let start = NodeBenchmark.nanos()
        var ids: [ReportID] = []
        var poller = Poller()
        for publisher in publishers { poller.add(.socket(publisher.socket)) }
        while ids.count < total {
            let now = NodeBenchmark.nanos()
            let due = min(total, Int((now - start) / interval) + 1)
            while ids.count < due {
                let number = ids.count
                let publisher = publishers[number % publishers.count]
                let id = ReportID.timeOrdered(at: Timestamp.nowMilliseconds(), using: &random)
                let forGroup =
                    !groupMembers.isEmpty
                    && number % PartiesConfiguration.groupEvery == PartiesConfiguration.groupEvery - 1
                try send(
                    sitrepDocument(publisher.organisation, number, forGroup: forGroup), id: id,
                    from: publisher)
                ids.append(id)
            }
            let next = start + UInt64(ids.count) * interval
            let now2 = NodeBenchmark.nanos()
            let wait = next > now2 ? Duration.nanoseconds(Int64(next - now2)) : .zero
            try readAcks(&poller, wait: min(wait, .milliseconds(5)))
        }
        let seconds = Double(NodeBenchmark.nanos() - start) / 1e9
        try awaitAcks(timeout: .seconds(120))
        // The end marker: every party's process stops when all its parties have it.
        try send(endDocument(publishers[0].organisation), id: .random(using: &random), from: publishers[0])
        try awaitAcks(timeout: .seconds(60))
        try waitPartiesDone()
        let cpu = NodeSampler.cpuSeconds(pid) - cpuBefore
        let wall = Double(NodeBenchmark.nanos() - start) / 1e9
        samples = sampler.stop()
        let sequences = Set(ids.compactMap { sequenceOf[$0] })
        guard sequences.count == ids.count else {
            throw BenchError("\(ids.count - sequences.count) of \(ids.count) reports have no sequence")
        }
        return Phase(
            sequences: sequences, reports: total, seconds: seconds, cpuSeconds: cpu, wallSeconds: wall,
            rssBefore: rssBefore, rssAfter: NodeSampler.rssMegabytes(pid))
    }

    /// Waits until every party process has ended (written its result), within the drain limit.
    func waitPartiesDone() throws {
        let names = processes.names.filter { $0.hasPrefix("parties-") }
        // A process still running at the limit is stopped; what it wrote says what is missing.
        _ = Readiness.wait(timeout: Self.drainBase, interval: .milliseconds(20)) {
            names.allSatisfy { !processes.isRunning($0) }
        }
    }

    // MARK: Sending and ACKs

    func send(_ document: ReportDocument, id: ReportID, from publisher: Publisher) throws {
        publisher.originSeq += 1
        let report = SealedReport.seal(
            document, id: id, origin: publisher.organisation, originSeq: publisher.originSeq,
            created: Timestamp.now(), signingKey: publisher.secrets.signing, codec: codec, random: &random)
        sentAt[id] = NodeBenchmark.nanos()
        try publisher.socket.sendPacked(MessageCodec.encode(.submit(report)))
        publisher.inFlight += 1
    }

    func awaitAcks(timeout: Duration) throws {
        var poller = Poller()
        for publisher in publishers { poller.add(.socket(publisher.socket)) }
        let deadline = ContinuousClock.now + timeout
        while publishers.contains(where: { $0.inFlight > 0 }) {
            guard ContinuousClock.now < deadline else {
                throw BenchError("the node did not ACK every report within \(timeout)")
            }
            try readAcks(&poller, wait: .milliseconds(50))
        }
    }

    func readAcks(_ poller: inout Poller, wait: Duration) throws {
        let ready = try poller.poll(timeout: wait)
        let messageCodec = MessageCodec()
        for (index, publisher) in publishers.enumerated() where ready[index].contains(.readable) {
            while let message = try publisher.socket.receive(dontWait: true) {
                let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                switch try? messageCodec.decodeServer(parts) {
                case .ack(let ack)?:
                    if let sent = sentAt[ack.reportID] {
                        ackLatency.record(max(1, (NodeBenchmark.nanos() - sent) / 1_000))
                    }
                    sequenceOf[ack.reportID] = ack.sequence
                    publisher.inFlight -= 1
                case .error(_, let code, let text, _)?:
                    throw BenchError("the node refused a benchmark report: E\(code.rawValue) \(text)")
                default:
                    continue
                }
            }
        }
    }

    // MARK: Documents

    func incidentDocument(_ region: OrganisationCode) -> ReportDocument {
        let municipality = ReferenceData.builtIn.municipalities.values.first { $0.region == region }!.code
        return ReportDocument(
            body: .incident(
                Incident(
                    id: IncidentID("\(region)-PARTIES")!, title: "Benchmark incident of \(region)",
                    kind: .other,
                    location: IncidentLocation(municipality: municipality),
                    startedAt: Timestamp(millisecondsSinceEpoch: 1_764_490_000_000),
                    lead: LeadAuthority(organisation: region, function: "Operationeel leider"),
                    classification: .partners)))
    }

    /// A sitrep every organisation may read, with the publish stamp in its text; with
    /// `forGroup`, a second section only the group's members may read.
    func sitrepDocument(_ region: OrganisationCode, _ number: Int, forGroup: Bool) -> ReportDocument {
        let stamp = NodeBenchmark.nanos()
        var beeld: [Discipline: DisciplinePicture] = [
            .multi: DisciplinePicture(
                text:
                    "\(String(decoding: PartiesMarkers.stamp, as: UTF8.self))\(stamp); report \(number)"
                    + (forGroup ? "; \(String(decoding: PartiesMarkers.forGroup, as: UTF8.self))" : "")
                    + "; situatie onder controle, afzetting blijft staan.",
                classification: .partners)
        ]
        if forGroup {
            beeld[.brw] = DisciplinePicture(
                text:
                    "\(String(decoding: PartiesMarkers.groupSection, as: UTF8.self)): stroomvoorziening in het gebied, netbeheerder op de hoogte.",
                classification: .parties(OrganisationSet(groupMembers)))
        }
        return ReportDocument(
            body: .sitrep(
                Sitrep(
                    incident: IncidentID("\(region)-PARTIES")!, beeld: beeld, confidence: .medium,
                    verification: .unconfirmed)))
    }

    func endDocument(_ region: OrganisationCode) -> ReportDocument {
        ReportDocument(
            body: .sitrep(
                Sitrep(
                    incident: IncidentID("\(region)-PARTIES")!,
                    beeld: [
                        .multi: DisciplinePicture(
                            text:
                                "\(String(decoding: PartiesMarkers.end, as: UTF8.self)): einde van de meting.",
                            classification: .partners)
                    ], confidence: .medium, verification: .unconfirmed)))
    }
}
