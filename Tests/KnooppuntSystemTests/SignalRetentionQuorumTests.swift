import Foundation
import KnooppuntDomain
import KnooppuntEtcd
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import Synchronization
import Testing

extension SystemTests {
    @Test(
        "on replicas on etcd, the end of a signal's retention deletes its content and its answers' notes from every replica's store and from etcd's log and history; the tombstones are in the chain",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(6)))
    func signalRetentionOnReplicasOnEtcd() async throws {
        try await offPool { try Self.retentionOnReplicasOnEtcd() }
    }

    /// The body of ``signalRetentionOnReplicasOnEtcd()``, on a thread of its own.
    static func retentionOnReplicasOnEtcd() throws {
        let ground = try SignalGround.start(
            "signal-retention-quorum", nodeArguments: ["--signal-expiry-interval", "1"], quorum: true)
        let net = ground.net
        let cluster = try #require(ground.cluster)
        defer {
            net.stopAll()
            cluster.stopAll()
            net.removeFolder()
        }
        let client = EtcdClient(endpoints: cluster.clientURLs)
        let logPrefix = "/knooppunt/\(SignalGround.etcdNetwork)/log/"
        do {
            let tag = UUID().uuidString.prefix(8)
            let marker = "ETCD-BEOORDELING-\(tag)"
            let ackNote = "ETCD-ONTVANGST-\(tag)"
            let lateNote = "ETCD-LATE-\(tag)"
            let laterText = "ETCD-LATER-\(tag)"
            let token = try net.tokenFile(SignalGround.dji)
            let sent = try ground.knooppunt([
                "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "radicalisation", "--basis",
                "WJSG-39F", "--person", "DJI-2026-0300", "--assessment", marker, "--asked", "inform",
                "--exercise", "--exercise-retention-seconds", "\(Self.answeredRetentionSeconds)", "--json",
                "--token-file", token,
            ])
            #expect(sent.status == 0, "\(sent.err)")
            let line = String(sent.out.split(separator: "\n").first ?? "")
            let id = try #require(try JSONParser.parse(Array(line.utf8))["report"]?.stringValue)
            func answer(_ arguments: [String]) throws {
                let result = try ground.knooppunt(
                    ["signal"] + arguments + [
                        "--as", "GEM-UTRECHT", "--token-file", try net.tokenFile(SignalGround.gemeente),
                    ])
                #expect(result.status == 0, "\(arguments) \(result.err)")
            }
            try answer(["ack", id, "--note", ackNote])
            // etcd's log holds the content now; remember a revision that saw it. Entries are
            // compressed: each is searched as its packed message (an unreadable one as it is).
            @Sendable func searchable(_ value: [UInt8]) -> [UInt8] { LogEntryBytes.packed(value) ?? value }
            func logValues(at revision: Int64? = nil) throws -> [[UInt8]] {
                try blockingEtcdCall {
                    try await client.range(.prefix(logPrefix), revision: revision).keyValues.map {
                        searchable($0.value)
                    }
                }
            }
            func logHolds(_ text: String, _ values: [[UInt8]]) -> Bool {
                values.contains { String(decoding: $0, as: UTF8.self).contains(text) }
            }
            let seen = try blockingEtcdCall { try await client.range(.prefix(logPrefix)).revision }
            #expect(logHolds(marker, try logValues(at: seen)), "the signal's content is not in etcd's log")

            let node: [(String, String)] = [("log", "sections")]
            let daemon: [(String, String)] = [
                ("mirror_entry", "sections"), ("mirror_history", "sections"), ("outbox", "document"),
                ("outbox", "sections"),
            ]
            let stores: [(String, URL, [(String, String)])] = [
                ("replica 1", net.folder.store(of: .primary), node),
                ("replica 2", net.folder.store(of: .backup), node),
                ("DJI", net.folder.daemonStore(SignalGround.dji), daemon),
                ("GEM-UTRECHT", net.folder.daemonStore(SignalGround.gemeente), daemon),
            ]
            try Self.waitGone([marker, ackNote], from: stores, net: net)
            // An answer after the deletion loses its note at once, on every replica too.
            try answer(["follow-up", id, "--outcome", "closed", "--note", lateNote])
            try Self.waitGone([lateNote], from: stores, net: net)
            // The tip is never rewritten: one more report moves it past the late answer.
            let later = try ground.knooppunt([
                "signal", "send", "--as", "DJI", "--to", "GEM-UTRECHT", "--kind", "violence", "--basis",
                "WJSG-39F", "--person", "DJI-2026-0301", "--assessment", laterText, "--asked", "inform",
                "--retention-days", "30", "--token-file", token,
            ])
            #expect(later.status == 0, "\(later.err)")

            // etcd: no value of the log holds any of it, and the history that did is compacted.
            do {
                try waitUntil("the content gone from etcd's log", timeout: 90) {
                    let values = try logValues()
                    return ![marker, ackNote, lateNote].contains { logHolds($0, values) }
                }
            } catch {
                // Which keys still hold it, and what the replicas said about etcd.
                let held = try blockingEtcdCall { try await client.range(.prefix(logPrefix)).keyValues }
                for text in [marker, ackNote, lateNote] {
                    let keys = held.filter {
                        String(decoding: searchable($0.value), as: UTF8.self).contains(text)
                    }.map(\.key)
                    print("\(text) in \(keys) of \(held.count) keys")
                }
                for name in ["node", "backup"] {
                    let lines = net.log(name).split(separator: "\n").filter {
                        $0.contains("etcd") || $0.contains("signal")
                    }
                    print("\(name): \(lines.suffix(15).joined(separator: "\n"))")
                }
                throw error
            }
            try waitUntil("etcd's history compacted past the content", timeout: 60) {
                do {
                    _ = try logValues(at: seen)
                    return false
                } catch let error as EtcdError {
                    return error.code == .compacted
                }
            }
            // The entries are still there (withheld, not holes): the log keeps every index.
            let indexes = try blockingEtcdCall {
                try await client.range(.prefix(logPrefix)).keyValues.compactMap {
                    UInt64($0.key.dropFirst(logPrefix.count))
                }
            }
            #expect(
                indexes == Array((indexes.first ?? 1)...(indexes.last ?? 0)), "a hole in the log: \(indexes)")

            // The tombstones are in the chain, which verifies.
            try waitUntil("the tombstones in the audit log", timeout: 30) {
                try ground.auditRows("signalExpired").contains { $0["subject"]?.stringValue == id }
                    && ground.auditRows("signalNotesExpired").filter {
                        $0["detail"]?["signal"]?.stringValue == id
                    }
                    .count == 2
            }
            let verified = try ground.knooppunt(["audit", "verify"])
            #expect(verified.status == 0, "\(verified.out) \(verified.err)")
            // Both replicas still hold the same log, the later signal included.
            try net.waitConverged(ground.everyone)
            for store in [net.folder.store(of: .primary), net.folder.store(of: .backup)] {
                #expect(try Self.rowsHolding(laterText, in: store, [("log", "sections")]) == 1)
            }
        }
    }
}
