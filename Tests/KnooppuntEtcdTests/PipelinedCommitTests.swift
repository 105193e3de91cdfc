import Foundation
import KnooppuntCore
import KnooppuntEtcd
import KnooppuntHarness
import Testing

/// Commits in flight at once and the short lease, against real etcd members.
@Suite(
    "etcd: pipelined commits and the lease", .serialized,
    .enabled(if: etcdRunnable, Comment(rawValue: etcdMissing)))
struct PipelinedCommitTests {
    let layout = Fence.Layout(network: "test")

    @Test(
        "commits built on each other reach etcd out of order: the early one is refused and writes nothing, then all commit in log order",
        .timeLimit(.minutes(2)))
    func outOfOrderCommitsApplyInOrder() async throws {
        try await withCluster("pipelined") { _, client in
            let election = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: .seconds(4))
            let term = try await election.campaign(value: bytes("a"))
            var fence = Fence(layout: layout, electionKey: term.key, epoch: term.epoch, tip: .empty)
            let first = try #require(fence.commit([bytes("1"), bytes("2")]))
            let second = try #require(fence.commit([bytes("3")], after: 2))
            let third = try #require(fence.commit([bytes("4")], after: 3))

            let early = try await client.run(third)
            #expect(!early.succeeded && early.lastEntryModRevision == 0)
            #expect(fence.decide(third, early) == .conflict)
            #expect(try await client.get(layout.entryKey(4)) == nil)

            guard case .committed = fence.decide(first, try await client.run(first)) else {
                Issue.record("the first commit was refused")
                return
            }
            // The third's success alone moves the tip past the second: etcd applied it first.
            guard case .committed = fence.decide(second, try await client.run(second)),
                case .committed(let tip) = fence.decide(third, try await client.run(third))
            else {
                Issue.record("a commit in log order was refused")
                return
            }
            #expect(tip.sequence == 4)
            let log = try await client.range(.prefix(layout.logPrefix)).keyValues
            #expect(log.map(\.value) == ["1", "2", "3", "4"].map(bytes))
            #expect(log.map(\.createRevision) == log.map(\.createRevision).sorted())
            #expect(log.allSatisfy { $0.createRevision > term.epoch })
            // Sent once more: refused, nothing overwritten.
            #expect(try await client.run(second).succeeded == false)
            #expect(try await client.get(layout.entryKey(3))?.version == 1)
            try await election.resign(term)
        }
    }

    @Test(
        "members started by the project take a commit of the fence's most entries (over etcd's default of 128 operations)",
        .timeLimit(.minutes(2)))
    func largestCommitFits() async throws {
        #expect(EtcdCluster.maximumTxnOperations >= Fence.maximumEntriesPerCommit)
        try await withCluster("largest") { _, client in
            let election = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: .seconds(4))
            let term = try await election.campaign(value: bytes("a"))
            var fence = Fence(layout: layout, electionKey: term.key, epoch: term.epoch, tip: .empty)
            let entries = (0..<Fence.maximumEntriesPerCommit).map { bytes("entry \($0)") }
            let commit = try #require(fence.commit(entries))
            guard case .committed(let tip) = fence.decide(commit, try await client.run(commit)) else {
                Issue.record("the largest commit was refused")
                return
            }
            #expect(tip.sequence == UInt64(Fence.maximumEntriesPerCommit))
            try await election.resign(term)
        }
    }

    @Test(
        "a commit of the fence's most bytes fits etcd's default request limit (1.5 MiB), which refuses a larger one",
        .timeLimit(.minutes(2)))
    func largestCommitByBytesFits() async throws {
        try await withCluster("largest-bytes") { _, client in
            let election = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: .seconds(4))
            let term = try await election.campaign(value: bytes("a"))
            var fence = Fence(layout: layout, electionKey: term.key, epoch: term.epoch, tip: .empty)
            let largest = [UInt8](repeating: 0x4B, count: Fence.maximumCommitBytes)
            let commit = try #require(fence.commit([largest]))
            guard case .committed(let tip) = fence.decide(commit, try await client.run(commit)) else {
                Issue.record("the largest commit by bytes was refused")
                return
            }
            #expect(tip.sequence == 1)
            #expect(try await client.get(layout.entryKey(1))?.value.count == Fence.maximumCommitBytes)
            // etcd's own limit is real: a value over 1.5 MiB is refused with a message.
            let over = [UInt8](repeating: 0x4B, count: 1_536 * 1_024 + 1)
            await #expect(throws: EtcdError.self) { try await client.put("/test/over", over) }
            try await election.resign(term)
        }
    }

    @Test(
        "members started by the project grant the replicas' 1 s lease as asked, and a waiting campaigner holds the role once the holder resigns",
        .timeLimit(.minutes(2)))
    func shortLeaseAndWatchedCampaign() async throws {
        try await withCluster("lease") { _, client in
            let lease = try await client.grantLease(ttl: Leadership.defaultLeaseTTL)
            #expect(lease.ttl == .seconds(1))
            try await client.revoke(lease: lease.id)
            let election = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: .seconds(4))
            let holder = try await election.campaign(value: bytes("a"))
            try await withThrowingTaskGroup(of: LeadershipTerm.self) { group in
                group.addTask { try await election.campaign(value: bytes("b")) }
                // The waiting campaigner's key is there before the holder resigns.
                while try await client.range(.prefix(layout.activePrefix)).keyValues.count < 2 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await election.resign(holder)
                let next = try #require(try await group.next())
                #expect(next.epoch > holder.epoch)
                #expect(try await election.holder()?.key == next.key)
                try await election.resign(next)
            }
        }
    }
}
