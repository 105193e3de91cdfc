import KnooppuntCore
import Testing

/// etcd's compare-and-put as the fence relies on it, small enough to read: one revision
/// counter, keys with create and mod revisions, a missing key at revision 0. The same
/// scenarios run against a real etcd in KnooppuntEtcdTests.
private struct Revisions {
    struct Entry: Equatable {
        var createRevision: Int64
        var modRevision: Int64
        var value: [UInt8]
    }
    var revision: Int64 = 1
    var keys: [String: Entry] = [:]

    mutating func put(_ key: String, _ value: [UInt8] = []) {
        revision += 1
        keys[key] = Entry(
            createRevision: keys[key]?.createRevision ?? revision, modRevision: revision, value: value)
    }

    mutating func delete(_ key: String) {
        revision += 1
        keys[key] = nil
    }

    /// Runs a fence's commit: every compare holds → the puts, in one revision.
    mutating func run(_ commit: Fence.Commit) -> Fence.Answer {
        let holds = commit.compares.allSatisfy { compare in
            let entry = keys[compare.key]
            let found: Int64
            switch compare.target {
            case .createRevision: found = entry?.createRevision ?? 0
            case .modRevision: found = entry?.modRevision ?? 0
            }
            return compare.relation == .greater ? found > compare.value : found == compare.value
        }
        guard holds else {
            return Fence.Answer(
                succeeded: false, revision: revision,
                electionCreateRevision: keys[commit.reads[0]]?.createRevision ?? 0,
                lastEntryModRevision: keys[commit.reads[1]]?.modRevision ?? 0)
        }
        revision += 1
        for put in commit.puts {
            keys[put.key] = Entry(
                createRevision: keys[put.key]?.createRevision ?? revision, modRevision: revision,
                value: put.value)
        }
        return Fence.Answer(
            succeeded: true, revision: revision, electionCreateRevision: 0, lastEntryModRevision: 0)
    }
}

@Suite("Fence: commits conditional on the election key and the log's tip")
struct FenceTests {
    let layout = Fence.Layout(network: "NL")

    @Test("log keys are 20 digits under the network's log prefix and read back; other keys are not entries")
    func layoutKeys() {
        #expect(layout.entryKey(42) == "/knooppunt/NL/log/00000000000000000042")
        #expect(layout.entryKey(UInt64.max) == "/knooppunt/NL/log/18446744073709551615")
        #expect(layout.sequence(ofEntryKey: layout.entryKey(42)) == 42)
        #expect(layout.sequence(ofEntryKey: "/knooppunt/NL/log/42") == nil)
        #expect(layout.sequence(ofEntryKey: "/knooppunt/NL/active/42") == nil)
        #expect(layout.activePrefix == "/knooppunt/NL/active/")
        // Byte order is sequence order, so a prefix range reads the log in order.
        #expect(layout.entryKey(9) < layout.entryKey(10) && layout.entryKey(99) < layout.entryKey(100))
    }

    @Test(
        "a commit compares the election key's create revision, the tip's mod revision and the next key's absence"
    )
    func comparesOfACommit() throws {
        let fence = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/1f", epoch: 7,
            tip: Fence.Tip(sequence: 3, modRevision: 9))
        let commit = try #require(fence.commit([[1], [2]]))
        #expect(
            commit.compares == [
                .init(key: "/knooppunt/NL/active/1f", target: .createRevision, value: 7),
                .init(key: layout.entryKey(3), target: .modRevision, value: 9),
                .init(key: layout.entryKey(4), target: .createRevision, value: 0),
            ])
        #expect(commit.puts.map(\.key) == [layout.entryKey(4), layout.entryKey(5)])
        #expect(commit.reads == ["/knooppunt/NL/active/1f", layout.entryKey(3)])
        let first = try #require(
            Fence(layout: layout, electionKey: "/knooppunt/NL/active/1f", epoch: 7, tip: .empty).commit([[1]])
        )
        #expect(first.compares.count == 2 && first.compares[1].key == layout.entryKey(1))
    }

    @Test(
        "a stale active whose election key expired is refused and fenced for good, while the new active commits"
    )
    func staleActiveIsRefused() throws {
        var etcd = Revisions()
        etcd.put("/knooppunt/NL/active/a")
        let oldEpoch = etcd.keys["/knooppunt/NL/active/a"]!.createRevision
        var stale = Fence(layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: oldEpoch, tip: .empty)
        let one = try #require(stale.commit([[1]]))
        guard case .committed(let tip) = stale.decide(one, etcd.run(one)) else {
            Issue.record("the holder's first commit was refused")
            return
        }
        #expect(tip.sequence == 1)

        // Its lease expires (the key goes), another campaigner's key is created later.
        etcd.delete("/knooppunt/NL/active/a")
        etcd.put("/knooppunt/NL/active/b")
        let newEpoch = etcd.keys["/knooppunt/NL/active/b"]!.createRevision
        #expect(newEpoch > oldEpoch)
        var active = Fence(layout: layout, electionKey: "/knooppunt/NL/active/b", epoch: newEpoch, tip: tip)
        let two = try #require(active.commit([[2]]))
        #expect(
            active.decide(two, etcd.run(two))
                == .committed(Fence.Tip(sequence: 2, modRevision: etcd.revision)))

        // The stale one still believes it is active, at its old tip: refused, fenced, no write.
        let late = try #require(stale.commit([[99]]))
        let before = etcd.keys
        let answer = etcd.run(late)
        #expect(!answer.succeeded)
        #expect(etcd.keys == before)
        #expect(stale.decide(late, answer) == .fenced)
        #expect(stale.state == .fenced && stale.commit([[100]]) == nil)
        stale.resync(to: Fence.Tip(sequence: 2, modRevision: etcd.revision))
        #expect(stale.state == .fenced)
    }

    @Test("a stale active whose key name was reused by a newer campaign is still refused: the epoch differs")
    func sameKeyNewEpoch() throws {
        var etcd = Revisions()
        etcd.put("/knooppunt/NL/active/a")
        var stale = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: etcd.revision, tip: .empty)
        etcd.delete("/knooppunt/NL/active/a")
        etcd.put("/knooppunt/NL/active/a")
        let commit = try #require(stale.commit([[1]]))
        #expect(stale.decide(commit, etcd.run(commit)) == .fenced)
        #expect(etcd.keys[layout.entryKey(1)] == nil)
    }

    @Test("the holder with a wrong tip gets a conflict, writes nothing, and commits after a resync")
    func conflictThenResync() throws {
        var etcd = Revisions()
        etcd.put("/knooppunt/NL/active/a")
        let fence = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: etcd.revision, tip: .empty)
        let first = try #require(fence.commit([[1]]))
        let answer = etcd.run(first)
        #expect(answer.succeeded)
        // The answer was lost (a timeout): the committer still believes the log is empty.
        var behind = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: fence.epoch, tip: .empty)
        let again = try #require(behind.commit([[1]]))
        #expect(behind.decide(again, etcd.run(again)) == .conflict)
        #expect(etcd.keys.count == 2)
        behind.resync(to: Fence.Tip(sequence: 1, modRevision: etcd.keys[layout.entryKey(1)]!.modRevision))
        let next = try #require(behind.commit([[2]]))
        #expect(
            behind.decide(next, etcd.run(next))
                == .committed(Fence.Tip(sequence: 2, modRevision: etcd.revision)))
        // A late answer to a commit built on an older tip is never taken as committed.
        #expect(
            behind.decide(
                again,
                Fence.Answer(
                    succeeded: true, revision: 99, electionCreateRevision: 0, lastEntryModRevision: 0))
                == .conflict)
    }

    @Test(
        "a writer that changed the tip behind the holder's back makes the holder's commit a conflict, not a overwrite"
    )
    func tipMovedBehindTheHoldersBack() throws {
        var etcd = Revisions()
        etcd.put("/knooppunt/NL/active/a")
        var fence = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: etcd.revision, tip: .empty)
        let first = try #require(fence.commit([[1]]))
        guard case .committed = fence.decide(first, etcd.run(first)) else {
            Issue.record("first commit refused")
            return
        }
        etcd.put(layout.entryKey(1), [7])  // rewritten: its mod revision moved on
        let second = try #require(fence.commit([[2]]))
        #expect(fence.decide(second, etcd.run(second)) == .conflict)
        #expect(etcd.keys[layout.entryKey(2)] == nil)
    }

    @Test(
        "commits in flight: one built on an earlier one's entry compares that entry's creation in this epoch, so etcd applies it only after that one, whatever order they arrive in"
    )
    func pipelinedCommitsApplyInOrder() throws {
        var etcd = Revisions()
        etcd.put("/knooppunt/NL/active/a")
        let epoch = etcd.revision
        var fence = Fence(layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: epoch, tip: .empty)
        let first = try #require(fence.commit([[1], [2]]))
        let second = try #require(fence.commit([[3]], after: 2))
        let third = try #require(fence.commit([[4]], after: 3))
        #expect(
            second.compares == [
                .init(key: "/knooppunt/NL/active/a", target: .createRevision, value: epoch),
                .init(key: layout.entryKey(2), target: .createRevision, value: epoch, relation: .greater),
                .init(key: layout.entryKey(3), target: .createRevision, value: 0),
            ])
        #expect(
            fence.commit([[0]], after: 1) != nil
                && Fence(
                    layout: layout, electionKey: "x", epoch: 1, tip: Fence.Tip(sequence: 5, modRevision: 3)
                ).commit([[0]], after: 4) == nil, "never built before the tip")

        // The second arrives first: refused, nothing written, the entry it follows absent.
        let early = etcd.run(second)
        #expect(!early.succeeded && early.lastEntryModRevision == 0)
        #expect(fence.decide(second, early) == .conflict)
        #expect(etcd.keys[layout.entryKey(3)] == nil)
        // The first, then the third (before the second is sent again): refused too.
        #expect(
            fence.decide(first, etcd.run(first))
                == .committed(Fence.Tip(sequence: 2, modRevision: etcd.revision)))
        #expect(!etcd.run(third).succeeded && etcd.keys[layout.entryKey(4)] == nil)
        // The second again, then the third: in order, each at its own revision.
        #expect(
            fence.decide(second, etcd.run(second))
                == .committed(Fence.Tip(sequence: 3, modRevision: etcd.revision)))
        #expect(
            fence.decide(third, etcd.run(third))
                == .committed(Fence.Tip(sequence: 4, modRevision: etcd.revision)))
        #expect((1...4).map { etcd.keys[layout.entryKey($0)]?.value } == [[1], [2], [3], [4]])
        // Sent once more (a retry after a lost answer): refused, nothing overwritten.
        let before = etcd.keys
        #expect(fence.decide(second, etcd.run(second)) == .conflict)
        #expect(etcd.keys == before)
    }

    @Test(
        "a pipelined commit cannot follow an entry of an earlier epoch, and a stale active's pipelined commit is fenced"
    )
    func pipelinedCommitNeedsThisEpochsEntry() throws {
        var etcd = Revisions()
        etcd.put("/knooppunt/NL/active/a")
        var old = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: etcd.revision, tip: .empty)
        let one = try #require(old.commit([[1]]))
        #expect(old.decide(one, etcd.run(one)) != .fenced)
        etcd.delete("/knooppunt/NL/active/a")
        etcd.put("/knooppunt/NL/active/b")
        // A holder that believes entry 1 is its own in-flight entry: entry 1 is older than its
        // election key, so the commit after it is refused.
        var fresh = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/b", epoch: etcd.revision, tip: .empty)
        let wrong = try #require(fresh.commit([[2]], after: 1))
        #expect(fresh.decide(wrong, etcd.run(wrong)) == .conflict)
        #expect(etcd.keys[layout.entryKey(2)] == nil)
        // The stale holder, pipelining past its tip: refused by its election key, fenced.
        let stale = try #require(old.commit([[9]], after: 3))
        #expect(old.decide(stale, etcd.run(stale)) == .fenced)
        #expect(etcd.keys[layout.entryKey(4)] == nil)
    }

    @Test(
        "one commit, one entry: whatever its batch holds, the next commit's key is the tip's index + 1, and a second committer believing the same tip collides on that key"
    )
    func oneEntryPerCommit() throws {
        var etcd = Revisions()
        etcd.put("/knooppunt/NL/active/a")
        let epoch = etcd.revision
        var fence = Fence(layout: layout, electionKey: "/knooppunt/NL/active/a", epoch: epoch, tip: .empty)
        // A batch of many items is one value: the fence counts entries, never items.
        let batch = [UInt8](repeating: 7, count: 200_000)
        let first = try #require(fence.commit([batch]))
        #expect(first.puts.map(\.key) == [layout.entryKey(1)])
        guard case .committed(let tip) = fence.decide(first, etcd.run(first)) else {
            Issue.record("the first batch was not committed")
            return
        }
        #expect(tip.sequence == 1)
        // Two commits built on that tip name the same next key: one wins, the other is refused
        // and writes nothing.
        let second = try #require(fence.commit([[1, 2, 3]]))
        var twin = fence
        let rival = try #require(twin.commit([[4, 5, 6]]))
        #expect(
            second.puts.map(\.key) == [layout.entryKey(2)] && rival.puts.map(\.key) == [layout.entryKey(2)])
        #expect(
            fence.decide(second, etcd.run(second))
                == .committed(Fence.Tip(sequence: 2, modRevision: etcd.revision)))
        #expect(twin.decide(rival, etcd.run(rival)) == .conflict)
        #expect(etcd.keys[layout.entryKey(2)]?.value == [1, 2, 3] && etcd.keys[layout.entryKey(3)] == nil)
    }

    @Test("a batch fits one commit within etcd's operation and request limits, and not beyond them")
    func batchLimits() {
        #expect(Fence.fits([[1]]))
        #expect(!Fence.fits([]))
        #expect(Fence.fits(Array(repeating: [1], count: Fence.maximumEntriesPerCommit)))
        #expect(!Fence.fits(Array(repeating: [1], count: Fence.maximumEntriesPerCommit + 1)))
        #expect(Fence.fits([[UInt8](repeating: 0, count: Fence.maximumCommitBytes)]))
        #expect(!Fence.fits([[UInt8](repeating: 0, count: Fence.maximumCommitBytes), [0]]))
    }
}
