import Foundation
import KnooppuntCore
import KnooppuntEtcd
import KnooppuntHarness
import Testing

/// The election and the fence against one real etcd member.
@Suite("etcd leadership and fencing", .serialized, .enabled(if: etcdRunnable, Comment(rawValue: etcdMissing)))
struct LeadershipTests {
    let layout = Fence.Layout(network: "test")

    /// The log's newest entry as etcd holds it, as a fence's tip (keys sort by sequence).
    func tip(_ client: EtcdClient) async throws -> Fence.Tip {
        guard let newest = try await client.range(.prefix(layout.logPrefix)).keyValues.last else {
            return .empty
        }
        return Fence.Tip(
            sequence: try #require(layout.sequence(ofEntryKey: newest.key)), modRevision: newest.modRevision)
    }

    @Test(
        "two campaigners: the first holds the role; when its lease expires the second holds it with a higher epoch, and the stale holder's commit is refused by etcd although it still believes it is active",
        .timeLimit(.minutes(2)))
    func staleActiveIsFenced() async throws {
        try await withCluster("election") { _, client in
            // Leases long enough that a busy machine's delays cannot end one before the test does.
            let election = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: .seconds(4))
            let first = try await election.campaign(value: bytes("replica-a"))
            #expect(try await election.holder()?.key == first.key)

            var stale = Fence(layout: layout, electionKey: first.key, epoch: first.epoch, tip: .empty)
            let one = try #require(stale.commit([bytes("a1")]))
            #expect(
                stale.decide(one, try await client.run(one))
                    == .committed(
                        Fence.Tip(
                            sequence: 1,
                            modRevision: try #require(try await client.get(layout.entryKey(1))).modRevision)))

            // The second campaigns while the first holds the role; the first stops renewing
            // (a replica that hangs) and its lease runs out.
            async let secondTerm = election.campaign(value: bytes("replica-b"))
            let second = try await secondTerm
            #expect(second.epoch > first.epoch)
            #expect(try await election.holder()?.key == second.key)
            #expect(try await election.isHeld(byKeyOf: first) == false)

            var active = Fence(
                layout: layout, electionKey: second.key, epoch: second.epoch, tip: try await tip(client))
            let two = try #require(active.commit([bytes("b2")]))
            guard case .committed(let afterTwo) = active.decide(two, try await client.run(two)) else {
                Issue.record("the new holder could not commit")
                return
            }
            #expect(afterTwo.sequence == 2)

            // The stale holder still has its old tip and epoch: its commit builds, etcd refuses it.
            let late = try #require(stale.commit([bytes("a-stale")]))
            let answer = try await client.run(late)
            #expect(!answer.succeeded && answer.electionCreateRevision == 0)
            #expect(stale.decide(late, answer) == .fenced)
            #expect(stale.commit([bytes("again")]) == nil)
            #expect(try await client.get(layout.entryKey(2))?.value == bytes("b2"))
            #expect(try await client.get(layout.entryKey(3)) == nil)

            // Its lease is gone in etcd, and past its end by its own clock: either way it learns
            // the loss at once.
            let gone = await #expect(throws: EtcdError.self) {
                try await client.keepAlive(lease: first.lease.id)
            }
            #expect(gone?.code == .leaseNotFound)
            let lost = await #expect(throws: EtcdError.self) { try await election.keepAlive(first) }
            #expect(lost?.code == .leadershipLost)

            // The holder resigns: a third campaigner holds the role at once, with a higher epoch,
            // and the resigned one is fenced even with the right tip.
            try await election.resign(second)
            let third = try await election.campaign(value: bytes("replica-c"))
            #expect(third.epoch > second.epoch)
            var resigned = active
            let after = try #require(resigned.commit([bytes("b3")]))
            #expect(resigned.decide(after, try await client.run(after)) == .fenced)
            var newest = Fence(layout: layout, electionKey: third.key, epoch: third.epoch, tip: afterTwo)
            let three = try #require(newest.commit([bytes("c3"), bytes("c4")]))
            #expect(
                newest.decide(three, try await client.run(three))
                    == .committed(
                        Fence.Tip(
                            sequence: 4,
                            modRevision: try #require(try await client.get(layout.entryKey(4))).modRevision)))
            try await election.resign(third)
        }
    }

    @Test(
        "a holder that keeps its lease alive keeps the role past two TTLs while another waits",
        .timeLimit(.minutes(2)))
    func keepAliveHoldsTheRole() async throws {
        try await withCluster("keepalive") { _, client in
            let election = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: .seconds(4))
            let holder = try await election.campaign(value: bytes("a"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await election.keepAlive(holder) }
                group.addTask {
                    // Another waits for the role for two TTLs (8 s): it must not get it. The TTL is
                    // long enough that a renewal delayed by a busy machine does not lose it.
                    try await withThrowingTaskGroup(of: Void.self) { waiting in
                        waiting.addTask {
                            let term = try await election.campaign(value: bytes("b"))
                            Issue.record("the waiting campaigner got the role at epoch \(term.epoch)")
                        }
                        try await Task.sleep(for: .seconds(8))
                        waiting.cancelAll()
                        _ = try? await waiting.next()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
            #expect(try await election.isHeld(byKeyOf: holder))
            #expect(try await election.holder()?.key == holder.key)
            // The cancelled campaign revoked its lease: only the holder's key is left.
            #expect(try await client.range(.prefix(layout.activePrefix)).keyValues.map(\.key) == [holder.key])
        }
    }

    @Test(
        "a holder whose only member hangs learns it lost the role by the end of its lease, not later",
        .timeLimit(.minutes(2)))
    func holderCutOffLearnsTheLoss() async throws {
        try await withCluster("cutoff") { cluster, client in
            let election = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: .seconds(2))
            let term = try await election.campaign(value: bytes("a"))
            cluster.pause(0)
            defer { cluster.resume(0) }
            let error = await #expect(throws: EtcdError.self) { try await election.keepAlive(term) }
            let late = ContinuousClock.now - term.confirmedUntil
            #expect(error?.code == .leadershipLost, "\(String(describing: error))")
            // The renewal in flight is cut at the lease's end; the margin is for a busy machine.
            #expect(late < .seconds(3), "learned it \(late) after the lease's end")
        }
    }
}
