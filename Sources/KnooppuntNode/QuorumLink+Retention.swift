import KnooppuntCore
import KnooppuntDomain
import KnooppuntEtcd
import KnooppuntProtocol

/// The end of a signal's retention in etcd (``LogRetention``): the active rewrites the log's
/// entries that hold expired content as the same entries without it, then compacts etcd's
/// history past the rewrite. A task of its own; the result is posted to the loop.
extension QuorumLink {
    /// The most log keys one read of the log asks for (a page): an entry is one commit, up to
    /// ``Fence/maximumCommitBytes``.
    static let retentionReadPage = 16

    /// Reads the log and every replica's applied record, plans (``LogRetention/plan``) on
    /// `fence`'s tip, rewrites what may be rewritten through the fence and compacts etcd to
    /// the rewrite's revision. Posts how many entries were rewritten and whether others wait.
    func expireLogContent(
        fence: Fence, endedSignals: Set<ReportID>, now: Int64, sizes: LogTrim.Sizes, epoch: Int64
    ) {
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
                let log = try await Self.readLog(client, layout)
                let plan = LogRetention.plan(
                    entries: log.map(\.entry), endedSignals: endedSignals, now: now, tip: tip,
                    applied: records,
                    limits: limits, sizes: sizes)
                let decoded = Dictionary(
                    log.map { ($0.entry.index, $0.decoded) }, uniquingKeysWith: { a, _ in a })
                var rewritten = 0
                var revision: Int64 = 0
                // Chunks within what one transaction may carry (etcd's operation and size limits).
                // Each entry again, the whole batch, with every expired report's content withheld.
                var chunk: [(index: UInt64, value: [UInt8])] = []
                var chunks: [[(index: UInt64, value: [UInt8])]] = []
                var bytes = 0
                for entry in plan.rewrite {
                    guard var rewritten = decoded[entry.index] else { continue }
                    rewritten.updates = rewritten.updates.map { update in
                        guard LogRetention.ended(update, endedSignals: endedSignals, now: now) else {
                            return update
                        }
                        return Update(
                            sequence: update.sequence, epoch: update.epoch, committedAt: update.committedAt,
                            report: update.report.withholdingAllSections())
                    }
                    let value = rewritten.entryValue
                    let size = value.count
                    if !chunk.isEmpty
                        && (chunk.count == Fence.maximumEntriesPerCommit
                            || bytes + size > Fence.maximumCommitBytes)
                    {
                        chunks.append(chunk)
                        chunk = []
                        bytes = 0
                    }
                    chunk.append((entry.index, value))
                    bytes += size
                }
                if !chunk.isEmpty { chunks.append(chunk) }
                for chunk in chunks {
                    guard let rewrite = fence.retentionRewrite(chunk.map(\.index)) else { break }
                    let puts = zip(rewrite.keys, chunk).map { key, entry -> EtcdOperation in
                        .put(key: key, value: entry.value)
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

    /// Every entry of the log holding accepted reports, in index order (refusals hold no
    /// content), read in pages of ``retentionReadPage`` keys.
    private static func readLog(
        _ client: EtcdClient, _ layout: Fence.Layout
    ) async throws -> [(entry: LogRetention.Entry, decoded: LogMessage)] {
        var entries: [(entry: LogRetention.Entry, decoded: LogMessage)] = []
        var from = layout.entryKey(0)
        while true {
            let range = try await client.range(.from(from), limit: retentionReadPage)
            var last: UInt64?
            for keyValue in range.keyValues {
                guard let index = layout.sequence(ofEntryKey: keyValue.key) else { return entries }
                last = index
                let entry = try QuorumEntry.decode(keyValue.value)
                if !entry.updates.isEmpty {
                    entries.append((LogRetention.Entry(index: index, updates: entry.updates), entry))
                }
            }
            guard range.more, let last else { return entries }
            from = layout.entryKey(last + 1)
        }
    }
}
