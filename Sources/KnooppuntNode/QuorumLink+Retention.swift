import KnooppuntCore
import KnooppuntDomain
import KnooppuntEtcd
import KnooppuntProtocol

/// The end of a signal's retention in etcd (``LogRetention``): the active rewrites the log's
/// entries that hold expired content as the same entries without it, then compacts etcd's
/// history past the rewrite. A task of its own; the result is posted to the loop.
extension QuorumLink {
    /// The most log keys one read of the log asks for (a page).
    static let retentionReadPage = 1_000

    /// Reads the log and every replica's applied record, plans (``LogRetention/plan``) on
    /// `fence`'s tip, rewrites what may be rewritten through the fence and compacts etcd to
    /// the rewrite's revision. Posts how many entries were rewritten and whether others wait.
    func expireLogContent(fence: Fence, endedSignals: Set<ReportID>, now: Int64, epoch: Int64) {
        let client = client
        let layout = layout
        let post = post
        let limits = options.trim
        Task {
            do {
                // Fenced already: the loop hears of the lost role too; the round ends.
                guard case .active(let tip) = fence.state else {
                    post { $0.quorumLogContentExpired(rewritten: 0, waiting: true, failure: "fenced") }
                    return
                }
                let records = try await Self.appliedRecords(client, layout)
                let entries = try await Self.readLog(client, layout)
                let plan = LogRetention.plan(
                    entries: entries, endedSignals: endedSignals, now: now, tip: tip, applied: records,
                    limits: limits)
                var rewritten = 0
                var revision: Int64 = 0
                // Chunks within what one transaction may carry (etcd's operation and size limits).
                var chunk: [LogRetention.Entry] = []
                var chunks: [[LogRetention.Entry]] = []
                var bytes = 0
                for entry in plan.rewrite {
                    let size = QuorumEntry.update(entry.update).value.count
                    if !chunk.isEmpty
                        && (chunk.count == Fence.maximumEntriesPerCommit
                            || bytes + size > Fence.maximumCommitBytes)
                    {
                        chunks.append(chunk)
                        chunk = []
                        bytes = 0
                    }
                    chunk.append(entry)
                    bytes += size
                }
                if !chunk.isEmpty { chunks.append(chunk) }
                for chunk in chunks {
                    guard let rewrite = fence.retentionRewrite(chunk.map(\.index)) else { break }
                    let puts = zip(rewrite.keys, chunk).map { key, entry -> EtcdOperation in
                        let withheld = Update(
                            sequence: entry.update.sequence, epoch: entry.update.epoch,
                            committedAt: entry.update.committedAt,
                            report: entry.update.report.withholdingAllSections())
                        return .put(key: key, value: QuorumEntry.update(withheld).value)
                    }
                    let result = try await client.txn(
                        compare: rewrite.compares.map(QuorumLink.etcdCompare), success: puts)
                    guard result.succeeded else {
                        let done = rewritten
                        post { $0.quorumLogContentExpired(rewritten: done, waiting: true, failure: "fenced") }
                        return
                    }
                    rewritten += chunk.count
                    revision = result.revision
                }
                // The old values are history until compacted: compact past the rewrite. A
                // follower's watch behind that revision ends and reads the log again from its
                // own point (the rewritten entries are at or below it).
                try await Self.compact(client, to: revision)
                let waiting = plan.waiting || rewritten < plan.rewrite.count
                let done = rewritten
                post { $0.quorumLogContentExpired(rewritten: done, waiting: waiting, failure: nil) }
            } catch {
                let reason = "\(error)"
                post { $0.quorumLogContentExpired(rewritten: 0, waiting: true, failure: reason) }
            }
        }
    }

    /// Every accepted report in the log, in index order (refusals hold no content), read in
    /// pages of ``retentionReadPage`` keys.
    private static func readLog(
        _ client: EtcdClient, _ layout: Fence.Layout
    ) async throws -> [LogRetention.Entry] {
        var entries: [LogRetention.Entry] = []
        var from = layout.entryKey(0)
        while true {
            let range = try await client.range(.from(from), limit: retentionReadPage)
            var last: UInt64?
            for keyValue in range.keyValues {
                guard let index = layout.sequence(ofEntryKey: keyValue.key) else { return entries }
                last = index
                if case .update(let update) = try QuorumEntry(value: keyValue.value) {
                    entries.append(LogRetention.Entry(index: index, update: update))
                }
            }
            guard range.more, let last else { return entries }
            from = layout.entryKey(last + 1)
        }
    }
}
