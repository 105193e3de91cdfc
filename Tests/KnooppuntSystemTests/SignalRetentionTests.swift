import Foundation
import GRDB
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

extension SystemTests {
    /// How many rows of `store` hold `marker` in the columns named, read straight from the
    /// SQLite file (read-only, beside the running process).
    static func rowsHolding(
        _ marker: String, in store: URL, _ columns: [(table: String, column: String)]
    ) throws
        -> Int
    {
        var configuration = Configuration()
        configuration.readonly = true
        let db = try DatabaseQueue(path: store.path, configuration: configuration)
        defer { try? db.close() }
        return try db.read { db in
            try columns.reduce(0) { count, place in
                count
                    + (try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM \(place.table) WHERE instr(\(place.column), ?) > 0",
                        arguments: [Data(marker.utf8)]) ?? 0)
            }
        }
    }

    @Test(
        "at the end of its retention a signal's content and its answers' notes are deleted from the node's store, the sender's and the recipient's daemon stores (a later answer's note at once); a refused signal's content leaves the sender's outbox; the audit chain verifies and holds the tombstones; a signal still in retention keeps its content"
    )
    func signalContentIsDeletedAtTheEndOfItsRetention() throws {
        let ground = try SignalGround.start(
            "signal-retention", nodeArguments: ["--signal-expiry-interval", "1"])
        let net = ground.net
        defer { net.removeFolder() }
        // An exercise signal that plays its whole life in seconds (a real one may not: E317).
        // Each text is unique, so a store holding it is found by a byte search.
        let tag = UUID().uuidString.prefix(8)
        let marker = "VERLOPEN-BEOORDELING-\(tag)"
        let refusedMarker = "GEWEIGERD-BEOORDELING-\(tag)"
        func send(exercise: Bool) throws -> (status: Int32, out: String, err: String) {
            try ground.knooppunt(
                [
                    "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation",
                    "--basis",
                    "WJSG-39F", "--person", "DJI-2026-0200", "--assessment",
                    exercise ? marker : refusedMarker,
                    "--asked", "inform",
                    "--exercise-retention-seconds", "\(Self.answeredRetentionSeconds)", "--json",
                    "--token-file",
                    try net.tokenFile(SignalGround.dji),
                ] + (exercise ? ["--exercise"] : []))
        }
        let real = try send(exercise: false)
        #expect(real.status != 0 && real.err.contains("E317"), "\(real.status) \(real.err)")
        let sent = try send(exercise: true)
        #expect(sent.status == 0, "\(sent.err)")
        let line = String(sent.out.split(separator: "\n").first ?? "")
        let id = try #require(try JSONParser.parse(Array(line.utf8))["report"]?.stringValue)
        // The municipality answers with notes about the person: an acknowledgement and a
        // follow-up (most likely within the retention; if not, they go at once, the same end).
        let ackNote = "ONTVANGST-NOTITIE-\(tag)"
        let followUpNote = "MAR-NOTITIE-\(tag)"
        let lateNote = "LATE-NOTITIE-\(tag)"
        func answer(_ arguments: [String]) throws {
            let result = try ground.knooppunt(
                ["signal"] + arguments + [
                    "--as", "GEM-UTRECHT", "--token-file", try net.tokenFile(SignalGround.gemeente),
                ])
            #expect(result.status == 0, "\(arguments) \(result.err)")
        }
        try answer(["ack", id, "--note", ackNote])
        try answer(["follow-up", id, "--outcome", "caseMeeting", "--note", followUpNote])

        let node: [(String, String)] = [("log", "sections")]
        let daemon: [(String, String)] = [
            ("mirror_entry", "sections"), ("mirror_history", "sections"), ("outbox", "document"),
            ("outbox", "sections"),
        ]
        let stores: [(String, URL, [(String, String)])] = [
            ("the node", net.folder.store(of: .primary), node),
            ("DJI", net.folder.daemonStore(SignalGround.dji), daemon),
            ("GEM-UTRECHT", net.folder.daemonStore(SignalGround.gemeente), daemon),
        ]
        // The refused signal's text left DJI's outbox when the refusal came.
        try waitUntil("the refused signal's content gone from the sender's outbox", timeout: 30) {
            try Self.rowsHolding(
                refusedMarker, in: net.folder.daemonStore(SignalGround.dji), daemon.map { ($0.0, $0.1) }) == 0
        }
        try Self.waitGone([marker, ackNote, followUpNote], from: stores, net: net)
        // An answer after the deletion loses its note at once (the signal's retention ended).
        try answer(["follow-up", id, "--outcome", "closed", "--note", lateNote])
        try Self.waitGone([lateNote], from: stores, net: net)
        // The signal still exists (its envelope and readers), its content does not.
        try waitUntil("the tombstone in the audit log", timeout: 30) {
            try ground.auditRows("signalExpired").contains { $0["subject"]?.stringValue == id }
        }
        let tombstone = try #require(
            try ground.auditRows("signalExpired").first { $0["subject"]?.stringValue == id })
        #expect(tombstone["actor"] == "DJI")
        #expect(tombstone["detail"]?["contentSHA256"]?.stringValue?.count == 64)
        #expect(try ground.knooppunt(["audit", "export"]).out.contains(marker) == false)
        // One row per answer whose note went, naming the signal, with the digest of what went.
        let notes = try ground.auditRows("signalNotesExpired").filter {
            $0["detail"]?["signal"]?.stringValue == id
        }
        #expect(notes.count == 3, "\(notes)")
        #expect(
            notes.allSatisfy {
                $0["actor"] == "GEM-UTRECHT" && $0["detail"]?["contentSHA256"]?.stringValue?.count == 64
            })
        for text in [ackNote, followUpNote, lateNote] {
            #expect(try ground.knooppunt(["audit", "export"]).out.contains(text) == false)
        }
        // The sender's status view keeps who acknowledged, that it was followed up, and when.
        let list = try ground.knooppunt(["signal", "list", "--as", "DJI", "--exercise", "--json"])
        let state = try JSONParser.parse(Array(list.out.utf8))["signals"]?.arrayValue?.first {
            $0["id"]?.stringValue == id
        }
        let recipient = state?["recipients"]?.arrayValue?.first
        #expect(recipient?["party"] == "GEM-UTRECHT", "\(list.out)")
        #expect(recipient?["state"] == "followedUp", "\(list.out)")
        #expect(recipient?["acknowledgedBy"]?.stringValue?.isEmpty == false, "\(list.out)")
        #expect(recipient?["acknowledgedAt"] != nil, "\(list.out)")
        #expect(recipient?["followedUpAt"] != nil, "\(list.out)")
        let verified = try ground.knooppunt(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.out) \(verified.err)")
        let opened = try ground.knooppunt([
            "signal", "show", id, "--as", "GEM-UTRECHT", "--token-file",
            try net.tokenFile(SignalGround.gemeente),
        ])
        #expect(opened.status == 1 && opened.err.contains("E316"), "\(opened.status) \(opened.err)")

        // The 30-day signal of the ground is untouched in the same stores: the queries find
        // content that is there.
        for (name, store, columns) in stores {
            #expect(
                try Self.rowsHolding(ground.assessment, in: store, columns.map { ($0.0, $0.1) }) > 0,
                "\(name) lost a signal still in retention")
        }
        try net.waitConverged(ground.everyone)
        net.stopAll()
    }

    /// The answered exercise signal's retention: long enough that the answers most likely come
    /// before it ends, short enough for a test.
    static let answeredRetentionSeconds = 12

    /// Waits until no store holds any of `texts`; on a timeout, says which store still holds
    /// which, and what each process logged about signals.
    static func waitGone(
        _ texts: [String], from stores: [(String, URL, [(String, String)])], net: TestNetwork
    ) throws {
        do {
            try waitUntil("\(texts) gone from every store", timeout: 90) {
                try stores.allSatisfy { store in
                    try texts.allSatisfy {
                        try Self.rowsHolding($0, in: store.1, store.2.map { ($0.0, $0.1) }) == 0
                    }
                }
            }
        } catch {
            for (name, store, columns) in stores {
                for text in texts {
                    print(
                        "\(name): \(try Self.rowsHolding(text, in: store, columns.map { ($0.0, $0.1) })) rows hold \(text)"
                    )
                }
            }
            for name in ["node", "backup", "third", "DJI", "GEM-UTRECHT"] where !net.log(name).isEmpty {
                let lines = net.log(name).split(separator: "\n").filter {
                    $0.contains("signal") || $0.contains("error")
                }
                print("\(name): \(lines.suffix(10).joined(separator: "\n"))")
            }
            throw error
        }
    }
}
