import KnooppuntCore
import Testing

@Suite("LogTrim: what of the log in etcd may go, and when")
struct LogTrimTests {
    let layout = Fence.Layout(network: "NL")
    var limits: LogTrim.Limits {
        var limits = LogTrim.Limits()
        limits.retainedTail = 10
        limits.retainedEntries = 1_000
        return limits
    }

    func applied(_ replica: String, _ index: UInt64) -> LogTrim.Applied {
        LogTrim.Applied(replica: replica, index: index, modRevision: Int64(index) + 100)
    }

    @Test("the trim stops at the slowest replica's applied point and compacts to its revision")
    func slowestReplica() {
        let plan = LogTrim.plan(
            tip: Fence.Tip(sequence: 500, modRevision: 600), trimmedThrough: 0,
            applied: [applied("a", 480), applied("b", 300), applied("c", 499)], limits: limits)
        #expect(plan?.through == 300)
        #expect(plan?.compactTo == 400)
        #expect(plan?.dropped == [])
    }

    @Test("the newest entries are kept however far every replica got; the tip itself always")
    func keepsTheTail() {
        let tip = Fence.Tip(sequence: 500, modRevision: 600)
        let plan = LogTrim.plan(
            tip: tip, trimmedThrough: 0, applied: [applied("a", 500), applied("b", 500)], limits: limits)
        #expect(plan?.through == 490)
        var noTail = limits
        noTail.retainedTail = 0
        #expect(
            LogTrim.plan(tip: tip, trimmedThrough: 0, applied: [applied("a", 500)], limits: noTail)?.through
                == 499)
        #expect(
            LogTrim.plan(
                tip: Fence.Tip(sequence: 1, modRevision: 5), trimmedThrough: 0, applied: [applied("a", 1)],
                limits: noTail) == nil)
    }

    @Test("nothing new to trim, or no replica recorded anything: no plan")
    func nothingToTrim() {
        let tip = Fence.Tip(sequence: 500, modRevision: 600)
        #expect(
            LogTrim.plan(tip: tip, trimmedThrough: 300, applied: [applied("a", 300)], limits: limits) == nil)
        #expect(LogTrim.plan(tip: tip, trimmedThrough: 0, applied: [], limits: limits) == nil)
        #expect(LogTrim.plan(tip: tip, trimmedThrough: 0, applied: [applied("a", 0)], limits: limits) == nil)
        #expect(
            LogTrim.plan(
                tip: Fence.Tip(sequence: 5, modRevision: 9), trimmedThrough: 0, applied: [applied("a", 5)],
                limits: limits) == nil)
    }

    @Test("a replica further behind than the retained entries no longer holds the log back and is named")
    func dropsAReplicaFarBehind() {
        let plan = LogTrim.plan(
            tip: Fence.Tip(sequence: 5_000, modRevision: 9_000), trimmedThrough: 0,
            applied: [applied("dead", 100), applied("a", 4_990), applied("b", 4_500)], limits: limits)
        #expect(plan?.through == 4_500)
        #expect(plan?.dropped == ["dead"])
        #expect(plan?.compactTo == 4_600)
        // Exactly at the bound it still counts.
        let edge = LogTrim.plan(
            tip: Fence.Tip(sequence: 5_000, modRevision: 9_000), trimmedThrough: 0,
            applied: [applied("slow", 4_000), applied("a", 5_000)], limits: limits)
        #expect(edge?.through == 4_000 && edge?.dropped == [])
    }

    @Test(
        "a replica records its point when it advanced and the interval passed, or it advanced by many entries"
    )
    func recordCadence() {
        let limits = LogTrim.Limits()
        #expect(!LogTrim.shouldRecord(applied: 10, recorded: 10, sinceRecord: .seconds(60), limits: limits))
        #expect(
            !LogTrim.shouldRecord(applied: 11, recorded: 10, sinceRecord: .milliseconds(100), limits: limits))
        #expect(
            LogTrim.shouldRecord(
                applied: 11, recorded: 10, sinceRecord: limits.recordInterval, limits: limits))
        #expect(
            LogTrim.shouldRecord(
                applied: 10 + limits.recordEntries, recorded: 10, sinceRecord: .zero, limits: limits))
    }

    @Test("a store whose next entry was trimmed cannot follow; one the log continues can")
    func startDecision() {
        #expect(LogTrim.start(applied: 0, firstIndex: 1) == .follow)
        #expect(LogTrim.start(applied: 0, firstIndex: nil) == .follow)
        #expect(LogTrim.start(applied: 300, firstIndex: 250) == .follow)
        #expect(LogTrim.start(applied: 300, firstIndex: 301) == .follow)
        #expect(LogTrim.start(applied: 300, firstIndex: 302) == .behindTrim(firstIndex: 302))
        #expect(LogTrim.start(applied: 0, firstIndex: 7) == .behindTrim(firstIndex: 7))
    }

    @Test("an applied record reads back from its value; anything else is no record")
    func appliedValue() {
        let record = LogTrim.Applied(replica: "r", index: 42, modRevision: 77)
        #expect(LogTrim.Applied(replica: "r", value: record.value) == record)
        #expect(LogTrim.Applied(replica: "r", value: Array("42".utf8)) == nil)
        #expect(LogTrim.Applied(replica: "r", value: Array("x 1".utf8)) == nil)
    }

    @Test(
        "a trim is fenced by the election key, deletes below the key after `through`, never reaches the tip")
    func fencedTrim() {
        let fence = Fence(
            layout: layout, electionKey: "/knooppunt/NL/active/1a", epoch: 9,
            tip: Fence.Tip(sequence: 100, modRevision: 50))
        let trim = fence.trim(through: 60)
        #expect(
            trim?.compares == [
                Fence.Compare(key: "/knooppunt/NL/active/1a", target: .createRevision, value: 9)
            ])
        #expect(trim?.from == layout.entryKey(0) && trim?.to == layout.entryKey(61))
        #expect(fence.trim(through: 100) == nil)
        #expect(fence.trim(through: 0) == nil)
        var fenced = fence
        let commit = fenced.commit([[1]])!
        _ = fenced.decide(
            commit,
            Fence.Answer(succeeded: false, revision: 60, electionCreateRevision: 0, lastEntryModRevision: 50))
        #expect(fenced.trim(through: 60) == nil, "a fenced committer cannot trim")
    }

    @Test("a replica's name from its endpoint is one key segment")
    func replicaNames() {
        #expect(Fence.Layout.replicaName("tcp://127.0.0.1:5555") == "tcp___127.0.0.1_5555")
        #expect(layout.appliedKey("a") == "/knooppunt/NL/applied/a")
    }

    @Test(
        "in bytes too: a tail of large entries is kept only as far as it holds the tail's bytes, and a replica behind by more than the retained bytes no longer holds the log back"
    )
    func boundsInBytes() {
        var bytes = limits
        bytes.retainedTailBytes = 3_000
        bytes.retainedBytes = 50_000
        var sizes = LogTrim.Sizes()
        // Entries 1...500 of 1,000 bytes each, as the active committed them.
        for index in UInt64(1)...500 { sizes.record(index: index, bytes: 1_000) }
        sizes.record(index: 7, bytes: 5)  // an index seen already: ignored
        #expect(sizes.bytes(after: 490) == 10_000 && sizes.newestEntries(holding: 3_000) == 3)
        let tip = Fence.Tip(sequence: 500, modRevision: 600)
        // Every replica at the tip: three entries already hold the tail's bytes (not ten).
        let tail = LogTrim.plan(
            tip: tip, trimmedThrough: 0, applied: [applied("a", 500), applied("b", 500)], limits: bytes,
            sizes: sizes)
        #expect(tail?.through == 497)
        // "b" is 100 entries behind, 100,000 bytes: over the retained bytes, left out.
        let plan = LogTrim.plan(
            tip: tip, trimmedThrough: 0, applied: [applied("a", 500), applied("b", 400)], limits: bytes,
            sizes: sizes)
        #expect(plan?.through == 497 && plan?.dropped == ["b"])
        // Without sizes (entries this replica never saw) the bounds in entries hold alone.
        let unknown = LogTrim.plan(
            tip: tip, trimmedThrough: 0, applied: [applied("a", 500), applied("b", 400)], limits: bytes)
        #expect(unknown?.through == 400 && unknown?.dropped == [])
        sizes.drop(through: 498)
        #expect(sizes.entries.map(\.index) == [499, 500])
    }
}
