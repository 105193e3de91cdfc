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
        "at the end of its retention a signal's content is deleted from the node's store, the standby's, the sender's and the recipient's daemon stores; the audit chain verifies and holds the tombstone; a signal still in retention keeps its content"
    )
    func signalContentIsDeletedAtTheEndOfItsRetention() throws {
        let ground = try SignalGround.start(
            "signal-retention", standby: true, nodeArguments: ["--signal-expiry-interval", "1"])
        let net = ground.net
        defer { net.removeFolder() }
        // An exercise signal that plays its whole life in seconds (a real one may not: E317;
        // the refused one stays in DJI's outbox as refused, so it carries another text).
        let marker = "VERLOPEN-BEOORDELING-\(UUID().uuidString.prefix(8))"
        func send(exercise: Bool) throws -> (status: Int32, out: String, err: String) {
            try ground.knooppunt(
                [
                    "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation",
                    "--basis",
                    "WJSG-39F", "--person", "DJI-2026-0200", "--assessment", exercise ? marker : "Geweigerd",
                    "--asked", "inform",
                    "--exercise-retention-seconds", "3", "--json", "--token-file",
                    try net.tokenFile(SignalGround.dji),
                ] + (exercise ? ["--exercise"] : []))
        }
        let real = try send(exercise: false)
        #expect(real.status != 0 && real.err.contains("E317"), "\(real.status) \(real.err)")
        let sent = try send(exercise: true)
        #expect(sent.status == 0, "\(sent.err)")
        let line = String(sent.out.split(separator: "\n").first ?? "")
        let id = try #require(try JSONParser.parse(Array(line.utf8))["report"]?.stringValue)

        let node: [(String, String)] = [("log", "sections")]
        let daemon: [(String, String)] = [
            ("mirror_entry", "sections"), ("mirror_history", "sections"), ("outbox", "document"),
            ("outbox", "sections"),
        ]
        let stores: [(String, URL, [(String, String)])] = [
            ("the node", net.folder.store(of: .primary), node),
            ("the standby", net.folder.store(of: .backup), node),
            ("DJI", net.folder.daemonStore(SignalGround.dji), daemon),
            ("GEM-UTRECHT", net.folder.daemonStore(SignalGround.gemeente), daemon),
        ]
        do {
            try waitUntil("the content gone from every store", timeout: 90) {
                try stores.allSatisfy {
                    try Self.rowsHolding(marker, in: $0.1, $0.2.map { ($0.0, $0.1) }) == 0
                }
            }
        } catch {
            // Which store still holds it, and what its process said about deleting.
            for (name, store, columns) in stores {
                let held = try Self.rowsHolding(marker, in: store, columns.map { ($0.0, $0.1) })
                print("\(name): \(held) rows hold the content")
            }
            for name in ["node", "backup", "DJI", "GEM-UTRECHT"] {
                let lines = net.log(name).split(separator: "\n").filter {
                    $0.contains("signal") || $0.contains("error")
                }
                print("\(name): \(lines.suffix(10).joined(separator: "\n"))")
            }
            throw error
        }
        // The signal still exists (its envelope and readers), its content does not.
        try waitUntil("the tombstone in the audit log", timeout: 30) {
            try ground.auditRows("signalExpired").contains { $0["subject"]?.stringValue == id }
        }
        let tombstone = try #require(
            try ground.auditRows("signalExpired").first { $0["subject"]?.stringValue == id })
        #expect(tombstone["actor"] == "DJI")
        #expect(tombstone["detail"]?["contentSHA256"]?.stringValue?.count == 64)
        #expect(try ground.knooppunt(["audit", "export"]).out.contains(marker) == false)
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
}
