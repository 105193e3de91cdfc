import Foundation
import KnooppuntChaos
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntStore
import Testing

extension SystemTests {
    @Test(
        "SIGKILL the node at 20 seeded moments and after commit / after ACK: no ACKed report lost or doubled")
    func nodeKilledUnderLoad() throws {
        let net = try TestNetwork(name: "node-kill")
        defer { net.removeFolder() }
        let regions = [OrganisationCode("VR07")!, OrganisationCode("VR08")!, OrganisationCode("VR09")!]
        let everyone = regions + [.nctv, .police]
        try net.startAll(everyone)
        let publishers = try regions.map { try Publisher($0, network: net) }
        for publisher in publishers {
            try publisher.publishAll([
                Documents.incident(publisher.organisation, "\(publisher.organisation)-CRASH")
            ])
        }

        var random = SeededRandom(seed: 20_191_803)
        var number = 0
        /// Keeps every daemon's outbox busy (more than one report in flight) while `body` runs.
        func underLoad(for seconds: Double, _ body: () throws -> Void = {}) throws {
            let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            try body()
            while ContinuousClock.now < end {
                for publisher in publishers where publisher.unanswered < 40 {
                    for _ in 0..<8 {
                        try publisher.publish(Documents.sitrep("\(publisher.organisation)-CRASH", number))
                        number += 1
                    }
                }
                for publisher in publishers { try publisher.pump(timeout: .milliseconds(5)) }
            }
        }

        // 20 kills at seeded moments, restarting the node at once each time.
        for _ in 0..<20 {
            try underLoad(for: Double.random(in: 0.2...0.9, using: &random))
            net.kill9("node")
            try underLoad(for: Double.random(in: 0.0...0.3, using: &random))
            try net.startNode()
        }
        // The two nasty moments: after commit before the ACK, after the ACK before publishing.
        for moment in ["after-commit", "after-ack"] {
            net.kill9("node")
            try net.startNode(environment: ["KNOOPPUNT_TEST_CRASH": "\(moment):3"], waitReady: false)
            try waitUntil("the node to crash \(moment)", timeout: 30) {
                try underLoad(for: 0.1)
                return !net.isRunning("node")
            }
            #expect(net.log("node").contains("national node started"))
            try net.startNode()
        }
        try underLoad(for: 1)
        try waitUntil("every report answered", timeout: 120) {
            for publisher in publishers { try publisher.pump(timeout: .milliseconds(20)) }
            return publishers.allSatisfy { $0.queued.count == $0.sent && $0.unanswered == 0 }
        }
        try net.waitConverged(everyone, timeout: 90)
        net.stopAll()

        let store = try NodeStore(path: net.folder.nodeStore.path)
        var acked = 0
        for publisher in publishers {
            #expect(publisher.rejected.isEmpty && publisher.errors.isEmpty)
            let log = try store.reports(from: publisher.organisation)
            // Exactly once, in the order the region issued them, gap-free origin sequences.
            #expect(log.map(\.id.rawValue) == publisher.queued)
            #expect(log.map(\.originSeq) == Array(1...UInt64(log.count)))
            let sequenceOf = Dictionary(uniqueKeysWithValues: log.map { ($0.id.rawValue, $0.sequence) })
            for ack in publisher.accepted.values {
                // Every ACK a publisher received is in the final log at its sequence.
                #expect(
                    sequenceOf[ack.id] == ack.sequence,
                    "ACK \(ack.id) at \(ack.sequence) not in the log there")
                acked += 1
            }
        }
        #expect(acked > 100)
        // Global sequences are gap-free: every number from 1 to the last is a report.
        #expect(
            try store.count()
                == Int(try store.updates(in: 1...UInt64.max, limit: 1_000_000).last?.sequence ?? 0))
    }

    @Test("a late joiner gets the same picture; a party that falls behind its send queue catches up")
    func lateJoinerAndSlowParty() throws {
        let net = try TestNetwork(name: "late-joiner")
        defer { net.removeFolder() }
        // Small limits make the slow path and the snapshot path happen with a few hundred reports.
        net.nodeArguments = ["--send-high-water-mark", "128", "--catch-up-limit", "100"]
        let writer = OrganisationCode("VR10")!
        let slow = OrganisationCode("VR11")!
        try net.startAll([writer, slow])
        let publisher = try Publisher(writer, network: net)
        try publisher.publishAll([Documents.incident(writer, "VR10-LATE")])

        net.signal(slow.rawValue, SIGSTOP)
        try publisher.publishAll(
            (0..<400).map { Documents.sitrep("VR10-LATE", $0, policeMarker: $0 % 7 == 0 ? "P\($0)" : nil) })
        net.signal(slow.rawValue, SIGCONT)
        try net.waitConverged([writer, slow])

        // A region that never ran joins 401 updates late: it gets a snapshot with the same hash.
        let late = OrganisationCode("VR12")!
        try net.startDaemon(late)
        try net.waitConverged([writer, slow, late])
        let node = try net.nodeStatus()
        #expect(
            try net.daemonStatus(late)["mirror"]?["viewHash"]?.stringValue
                == node["parties"]?[late.rawValue]?["nodeViewHash"]?.stringValue)
        #expect(
            try net.daemonStatus(late)["mirror"]?["applied"]?.integerValue
                == node["lastSequence"]?.integerValue)
        #expect(net.log(late.rawValue).contains("mirror replaced by a snapshot"))
        net.stopAll()
    }
}
