import Foundation
import KnooppuntCertificates
import KnooppuntEtcd
import KnooppuntHarness
import Testing

/// The client against one real etcd member per test (a member starts in about a second).
@Suite(
    "etcd client against a real member", .serialized,
    .enabled(if: etcdRunnable, Comment(rawValue: etcdMissing)))
struct EtcdClientTests {
    @Test(
        "put, range, prefix range and delete round-trip; a txn runs its success branch when its compares hold and its failure branch when not",
        .timeLimit(.minutes(2)))
    func roundTripAndTxn() async throws {
        try await withCluster("kv") { cluster, client in
            let first = try await client.put("/t/a", bytes("one"))
            let second = try await client.put("/t/b", bytes("two"))
            #expect(second > first)
            let a = try #require(try await client.get("/t/a"))
            #expect(a.value == bytes("one") && a.createRevision == first && a.modRevision == first)
            #expect(try await client.get("/t/none") == nil)
            let all = try await client.range(.prefix("/t/"))
            #expect(all.keyValues.map(\.key) == ["/t/a", "/t/b"] && all.revision == second)
            #expect(try await client.range(.from("/t/b")).keyValues.map(\.key) == ["/t/b"])
            #expect(
                try await client.range(.prefix("/t/"), minModRevision: second).keyValues.map(\.key) == [
                    "/t/b"
                ])
            #expect(try await client.range(.key("/t/b"), revision: first).keyValues.isEmpty)

            let created = try await client.txn(
                compare: [EtcdCompare(key: "/t/c", .createRevision(0))],
                success: [.put(key: "/t/c", value: bytes("three")), .range(.key("/t/a"))],
                failure: [.range(.key("/t/c"))])
            #expect(created.succeeded && created.revision == second + 1)
            #expect(created.keyValues(at: 1)?.first?.value == bytes("one"))

            let refused = try await client.txn(
                compare: [
                    EtcdCompare(key: "/t/c", .createRevision(0)),
                    EtcdCompare(key: "/t/a", .value(bytes("one"))),
                ],
                success: [.put(key: "/t/c", value: bytes("overwritten"))], failure: [.range(.key("/t/c"))])
            #expect(!refused.succeeded && refused.revision == created.revision)
            #expect(refused.keyValues(at: 0)?.first?.value == bytes("three"))
            #expect(try await client.get("/t/c")?.value == bytes("three"))
            let failed = #expect(throws: EtcdError.self) { try refused.requireSucceeded("create /t/c") }
            #expect(failed?.code == .txnFailed && failed?.message.hasPrefix("create /t/c") == true)

            let moved = try await client.txn(
                compare: [EtcdCompare(key: "/t/c", .modRevision(created.revision))],
                success: [.delete(.prefix("/t/"))])
            #expect(moved.succeeded && moved.results == [.delete(deleted: 3)])
            #expect(try await client.range(.prefix("/t/")).keyValues.isEmpty)

            let status = try await client.status(of: cluster.clientURLs[0])
            #expect(
                status.isLeader && status.raftIndex > 0 && status.dbSize > 0 && status.version.hasPrefix("3.")
            )
        }
    }

    @Test(
        "a client given TLS material speaks plain HTTP/2 to an http:// member on loopback, as the URL says",
        .timeLimit(.minutes(2)))
    func schemeDecides() async throws {
        try await withCluster("scheme") { cluster, _ in
            let keys = FileManager.default.temporaryDirectory.appendingPathComponent(
                "knooppunt-etcd-scheme-keys-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: keys) }
            let files = EtcdTLSFiles(folder: keys)
            try files.prepare(members: [], clients: ["primary"], authorityName: "scheme")
            #expect(cluster.clientURLs.allSatisfy { $0.hasPrefix("http://127.0.0.1:") })
            let client = try EtcdClient(endpoints: cluster.clientURLs, tls: clientTLS(files, "primary"))
            let revision = try await client.put("/scheme", bytes("plain"))
            #expect(revision > 0)
            #expect(try await client.get("/scheme")?.value == bytes("plain"))
        }
    }

    @Test("a lease's keys vanish when it is revoked; a revoked lease is not found", .timeLimit(.minutes(2)))
    func leases() async throws {
        try await withCluster("lease") { _, client in
            let lease = try await client.grantLease(ttl: .seconds(10))
            #expect(lease.ttl >= .seconds(10))
            try await client.put("/l/x", bytes("x"), lease: lease.id)
            #expect(try await client.get("/l/x")?.lease == lease.id)
            #expect(try await client.keepAlive(lease: lease.id) >= .seconds(9))
            try await client.revoke(lease: lease.id)
            #expect(try await client.get("/l/x") == nil)
            let error = await #expect(throws: EtcdError.self) { try await client.keepAlive(lease: lease.id) }
            #expect(error?.code == .leaseNotFound)
            let put = await #expect(throws: EtcdError.self) {
                try await client.put("/l/y", [], lease: lease.id)
            }
            #expect(put?.code == .leaseNotFound)
        }
    }

    @Test(
        "a watch sees puts and deletes in revision order from a revision; after compaction a watch from an older revision fails as compacted",
        .timeLimit(.minutes(2)))
    func watchAndCompaction() async throws {
        try await withCluster("watch") { _, client in
            let before = try await client.put("/w/start", [])
            var revisions: [Int64] = []
            for number in 1...5 {
                revisions.append(try await client.put("/w/log/\(number)", bytes("\(number)")))
            }
            try await client.put("/x/other", bytes("not watched"))
            revisions.append(try await client.put("/w/log/1", bytes("again")))
            _ = try await client.delete(.key("/w/log/2"))

            var seen: [EtcdWatchEvent] = []
            for try await event in client.watch(.prefix("/w/log/"), from: before + 1) {
                seen.append(event)
                if seen.count == 7 { break }
            }
            #expect(seen.prefix(6).map(\.revision) == revisions)
            #expect(
                seen.prefix(5).map { String(decoding: $0.keyValue.value, as: UTF8.self) } == [
                    "1", "2", "3", "4", "5",
                ])
            #expect(seen[5].keyValue.value == bytes("again") && seen[5].keyValue.version == 2)
            #expect(seen[6].kind == .delete && seen[6].keyValue.key == "/w/log/2")
            #expect(seen.prefix(6).allSatisfy { $0.kind == .put })

            // From the middle: only what came after.
            var tail: [Int64] = []
            for try await event in client.watch(.prefix("/w/log/"), from: revisions[3]) {
                tail.append(event.revision)
                if tail.count == 3 { break }
            }
            #expect(tail == Array(revisions[3...5]))

            let newest = try await client.range(.key("/w/start")).revision
            try await client.compact(to: newest)
            let error = await #expect(throws: EtcdError.self) {
                for try await _ in client.watch(.prefix("/w/log/"), from: before + 1) {}
            }
            #expect(error?.code == .compacted && (error?.compactRevision ?? 0) >= newest)
            let read = await #expect(throws: EtcdError.self) {
                try await client.range(.prefix("/w/"), revision: before)
            }
            #expect(read?.code == .compacted)
            // The newest revision is still there to watch from.
            try await client.put("/w/log/6", bytes("6"))
            for try await event in client.watch(.prefix("/w/log/"), from: newest) {
                #expect(event.keyValue.key == "/w/log/6")
                break
            }
        }
    }

    /// Longer than etcd's backend batch interval (`--backend-batch-interval`, 100 ms by
    /// default), after which the database's size the quota is checked against is current.
    static let backendCommitWait: Duration = .milliseconds(300)

    @Test(
        "a member with a small space quota refuses writes with the quota error, raises the NOSPACE alarm and still answers reads; freed, defragmented and disarmed it writes again",
        .timeLimit(.minutes(2)))
    func spaceQuota() async throws {
        let quota = 1_024 * 1_024
        try await withCluster("quota", quotaBackendBytes: quota) { _, client in
            try await client.put("/q/kept", bytes("kept"))
            let value = [UInt8](repeating: 0x61, count: 100 * 1_024)
            var refusal: EtcdError?
            var written = 0
            // 40 values of 100 KiB are four times the quota: the refusal must come before.
            // etcd weighs a put against its database's size as of its backend's last commit
            // (every 100 ms by default), so a quick burst can pass the quota before that commit
            // has run. Past the quota, each put waits until one surely has.
            for number in 0..<40 {
                if written > quota { try await Task.sleep(for: Self.backendCommitWait) }
                do {
                    try await client.put("/q/big/\(number)", value)
                    written += value.count
                } catch let error as EtcdError {
                    refusal = error
                    break
                }
            }
            let error = try #require(refusal, "40 puts of 100 KiB passed a 1 MiB quota")
            #expect(error.code == .spaceQuotaExceeded, "\(error)")
            #expect(error.message.contains("database space exceeded"))
            let again = await #expect(throws: EtcdError.self) { try await client.put("/q/small", bytes("x")) }
            #expect(again?.code == .spaceQuotaExceeded)
            #expect(try await client.get("/q/kept")?.value == bytes("kept"))
            #expect(try await client.range(.prefix("/q/big/")).keyValues.count > 0)
            let status = try await client.status()
            #expect(status.dbSize > 0)
            let alarms = try await client.alarms()
            #expect(alarms.map(\.alarm) == ["NOSPACE"] && alarms.first?.memberID == status.memberID)

            // What an operator does: free space (delete, compact, defragment), then disarm.
            try await client.delete(.prefix("/q/big/"))
            try await client.compact(to: try await client.range(.key("/q/kept")).revision)
            for endpoint in client.endpoints { try await client.defragment(endpoint) }
            let still = await #expect(throws: EtcdError.self) { try await client.put("/q/small", bytes("x")) }
            #expect(still?.code == .spaceQuotaExceeded, "writes stay refused until the alarm is disarmed")
            for alarm in alarms { try await client.disarm(alarm) }
            #expect(try await client.alarms().isEmpty)
            try await client.put("/q/small", bytes("x"))
            #expect(try await client.get("/q/small")?.value == bytes("x"))
            #expect(try await client.status().dbSize < Int64(quota))
        }
    }
}
