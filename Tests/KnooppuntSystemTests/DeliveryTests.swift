import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntStore
import StrictJSON
import Testing

extension SystemTests {
    @Test(
        "3 regions publish 1,000 reports: all ACKed, each exactly once in every mirror, every mirror converged"
    )
    func thousandReports() throws {
        let net = try TestNetwork(name: "thousand")
        defer { net.removeFolder() }
        let regions = [OrganisationCode("VR01")!, OrganisationCode("VR02")!, OrganisationCode("VR03")!]
        let everyone = regions + [.nctv, .police]
        try net.startAll(everyone)
        try expectJemalloc(net, ["node", "VR01"])

        var publishers: [Publisher] = []
        var markers: [String] = []
        for region in regions {
            let publisher = try Publisher(region, network: net)
            let incident = "\(region)-TEST-1"
            try publisher.publishAll([Documents.incident(region, incident)])
            for number in 0..<333 {
                let marker = number % 10 == 0 ? "POLITIEMARKER-\(region)-\(number)" : nil
                if let marker { markers.append(marker) }
                try publisher.publish(Documents.sitrep(incident, number, policeMarker: marker))
            }
            publishers.append(publisher)
        }
        try waitUntil("1,002 answers", timeout: 120) {
            for publisher in publishers { try publisher.pump(timeout: .milliseconds(10)) }
            return publishers.allSatisfy { $0.queued.count == $0.sent && $0.unanswered == 0 }
        }
        let accepted = publishers.flatMap { $0.accepted.values }
        #expect(accepted.count == 1_002)
        #expect(publishers.allSatisfy { $0.rejected.isEmpty && $0.errors.isEmpty })
        // One global sequence per report, gap-free.
        #expect(Set(accepted.map(\.sequence)) == Set(1...1_002))
        try net.waitConverged(everyone)
        let status = try net.nodeStatus()
        #expect(status["lastSequence"]?.integerValue == 1_002)
        #expect(status["synchronous"]?.integerValue == 2)
        for code in everyone {
            #expect(try net.daemonStatus(code)["synchronous"]?.integerValue == 2)
        }
        net.stopAll()

        // Offline: every mirror holds every report exactly once, at the node's sequence.
        let expected = Dictionary(uniqueKeysWithValues: accepted.map { ($0.id, $0.sequence) })
        for code in everyone {
            let store = try DaemonStore(path: net.folder.daemonStore(code).path)
            let history = try store.historyReportIDs()
            #expect(history.count == 1_002, "\(code) holds \(history.count) reports")
            #expect(Set(history.map(\.id.rawValue)).count == 1_002)
            for entry in history { #expect(expected[entry.id.rawValue] == entry.sequence) }
        }
        // Need-to-know: a police-only marker is in the police's store and in the outbox of the
        // region that wrote it, and nowhere else.
        for code in everyone {
            let bytes = try storeBytes(net.folder.daemonFolder(code))
            let found = markers.filter { bytes.range(of: Data($0.utf8)) != nil }
            if code == .police {
                #expect(found.count == markers.count, "the police mirror lacks police content")
            } else {
                let foreign = found.filter { !$0.hasPrefix("POLITIEMARKER-\(code)-") }
                #expect(
                    foreign.isEmpty, "\(code)'s store holds \(foreign.count) police-only markers of others")
            }
        }
    }

    @Test(
        "a region daemon SIGKILLed with queued reports resends them after a restart: all arrive once, in its order"
    )
    func regionKilledWithQueuedReports() throws {
        let net = try TestNetwork(name: "region-kill")
        defer { net.removeFolder() }
        let region = OrganisationCode("VR05")!
        try net.startAll([region])
        let incident = "VR05-KILL-1"
        do {
            let publisher = try Publisher(region, network: net)
            try publisher.publishAll([Documents.incident(region, incident)])
            // The node stops answering: reports stay queued in the daemon's outbox.
            net.signal("node", SIGSTOP)
            for number in 0..<50 { try publisher.publish(Documents.sitrep(incident, number)) }
            try waitUntil("50 reports queued", timeout: 30) {
                try publisher.pump(timeout: .milliseconds(20))
                return publisher.queued.count == 51
            }
            #expect(publisher.accepted.count == 1)
            let queuedOrder = Array(publisher.queued.dropFirst())
            net.kill9(region.rawValue)
            net.signal("node", SIGCONT)
            try net.startDaemon(region)
            try waitUntil("the outbox to drain", timeout: 60) {
                (try? net.daemonStatus(region)["outbox"]?["queued"]?.integerValue) == 0
            }
            try net.waitConverged([region])
            net.stopAll()
            let log = try NodeStore(path: net.folder.nodeStore.path).reports(from: region)
            #expect(log.count == 51)
            #expect(log.map(\.originSeq) == Array(1...51))
            #expect(log.dropFirst().map(\.id.rawValue) == queuedOrder)
        }
    }
}

/// The bytes of a process folder's SQLite files (database and WAL), to search for content.
func storeBytes(_ folder: URL) throws -> Data {
    var data = Data()
    for name in ["store.sqlite", "store.sqlite-wal"] {
        if let bytes = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) {
            data.append(bytes)
        }
    }
    return data
}
