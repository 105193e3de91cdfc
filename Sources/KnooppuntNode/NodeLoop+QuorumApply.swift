import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore

/// A follower applies the log from etcd: each entry is one commit's items (``QuorumEntry``).
extension NodeLoop {
    /// Applies log entries in index order to the store, the coordinator and the picture
    /// (entries held already are skipped), at most ``QuorumLink/maximumItemsPerApply`` items
    /// per transaction (one whole entry at least), each saving how far the store holds the
    /// log (one fsync per transaction). With `verifyTail` (the first read after a start or a
    /// step-down, from this store's point) it first cuts off a tail of this store that etcd
    /// never committed: what this replica wrote as active and etcd never confirmed, which was
    /// never acknowledged.
    func applyLog(_ entries: [(index: UInt64, value: [UInt8], modRevision: Int64)], verifyTail: Bool) {
        guard let quorum else { return }
        var decoded: [(index: UInt64, entry: LogMessage, modRevision: Int64)] = []
        for entry in entries where entry.index > quorum.appliedIndex {
            guard entry.index == quorum.appliedIndex + UInt64(decoded.count) + 1 else {
                logger.warning(
                    "a gap in the log read from etcd; reading again", metadata: ["index": "\(entry.index)"])
                // Nothing of this read is applied (nor the tail checked): the read again has it all.
                followLog()
                return
            }
            quorum.upkeep.sizes.record(index: entry.index, bytes: entry.value.count)
            do {
                decoded.append((entry.index, try QuorumEntry.decode(entry.value), entry.modRevision))
            } catch {
                // Every replica wrote entries with this codec: an unreadable one is corruption.
                storageFailed(error)
            }
        }
        applyDecoded(decoded, verifyTail: verifyTail)
    }

    private func applyDecoded(
        _ decoded: [(index: UInt64, entry: LogMessage, modRevision: Int64)], verifyTail: Bool
    ) {
        guard let quorum else { return }
        if verifyTail {
            cutUncommittedTail(decoded.map(\.entry), base: quorum.tailBase)
            quorum.verifyTail = false
        }
        var start = decoded.startIndex
        while start < decoded.endIndex {
            var end = start
            var items = 0
            while end < decoded.endIndex,
                end == start || items + decoded[end].entry.itemCount <= QuorumLink.maximumItemsPerApply
            {
                items += decoded[end].entry.itemCount
                end += 1
            }
            applyBatch(decoded[start..<end])
            start = end
        }
    }

    /// One transaction of ``applyLog(_:verifyTail:)``: consecutive entries after the applied one.
    private func applyBatch(_ decoded: ArraySlice<(index: UInt64, entry: LogMessage, modRevision: Int64)>) {
        guard let quorum, let last = decoded.last else { return }
        var accepted: [(Update, ReportDocument?)] = []
        var records: [RejectionRecord] = []
        var audit: [AuditRecord] = []
        var next = coordinator.lastSequence + 1
        // The report sequence at the batch's last entry (this store may hold more, as active).
        var sequenceAtLast = quorum.upkeep.durable.sequence
        let codec = DocumentCodec()
        for item in decoded {
            for update in item.entry.updates {
                sequenceAtLast = update.sequence
                guard update.sequence >= next else { continue }
                guard update.sequence == next else {
                    storageFailed(QuorumGap(expected: next, found: update.sequence))
                }
                let document =
                    update.report.envelope.type == .incident ? try? update.report.document(codec: codec) : nil
                accepted.append((update, document))
                next += 1
            }
            records += item.entry.rejections
            audit += item.entry.audit
        }
        let point = QuorumPoint(index: last.index, revision: last.modRevision, sequence: sequenceAtLast)
        // The active's chain, row for row (rows this store holds already are skipped).
        let copies = store.auditCopies(following: audit)
        if copies.count < audit.count(where: { $0.seq > store.auditHead.seq }), !quorum.auditMismatchLogged {
            quorum.auditMismatchLogged = true
            logger.error(
                "audit rows in the log do not follow this store's chain; they are not copied",
                metadata: ["audit.head": "\(store.auditHead.seq)", "index": "\(last.index)"])
        }
        do {
            try store.commit(accepted: accepted, records: records, auditCopies: copies, quorumPoint: point)
        } catch {
            storageFailed(error)
        }
        for (update, document) in accepted {
            coordinator.absorb(update, document: document)
            picture.apply(update)
        }
        for record in records { coordinator.absorb(record.rejection) }
        quorum.appliedIndex = last.index
        quorum.appliedRevision = last.modRevision
        quorum.upkeep.durable = point
        quorum.upkeep.appliedEntries += decoded.count
        quorum.upkeep.applyTransactions += 1
    }
    /// Cuts this store back to what the log in etcd after this store's point confirms: from
    /// the first report etcd holds at another sequence, or after etcd's last report (`base`,
    /// the store's point, when the log holds no report after it).
    private func cutUncommittedTail(_ entries: [LogMessage], base: SequenceNumber) {
        var logLast: SequenceNumber = base
        var cut: SequenceNumber?
        do {
            for update in entries.flatMap(\.updates) {
                logLast = update.sequence
                guard cut == nil, update.sequence <= coordinator.lastSequence else { continue }
                // The epoch counts too: a replica stopped while active may hold a batch that
                // etcd never committed in its epoch, and that the next active committed with
                // the same reports at the same sequences in a later one (chaos seed 15). Such
                // rows are etcd's entries in another epoch, so they are cut and applied again.
                if case .accepted(let ack, _) = try store.outcome(of: update.report.id),
                    ack.sequence == update.sequence, ack.epoch == update.epoch
                {
                    continue
                }
                cut = update.sequence - 1
            }
            if cut == nil, logLast < coordinator.lastSequence { cut = logLast }
            guard let cut else { return }
            logger.warning(
                "discarding a tail of this store that etcd never committed (never acknowledged)",
                metadata: ["report.seq": "\(coordinator.lastSequence)", "keep": "\(cut)"])
            try store.truncate(after: cut)
        } catch {
            storageFailed(error)
        }
        reloadFromStore()
    }
}

/// A replica whose store ends before the log in etcd starts: the entries between were
/// trimmed once every other replica had applied them (or this one was too far behind to hold
/// the log back, LogTrim's retained entries). Its store cannot be completed from etcd.
struct QuorumBehindTrim: Error, CustomStringConvertible {
    let applied: UInt64
    let firstIndex: UInt64
    var description: String {
        "node.quorumBehindTrim: this store holds the log in etcd up to entry \(applied), but etcd keeps it only from entry \(firstIndex) on; stop this replica, copy the store (store.sqlite) of another, stopped replica into its folder and start it again"
    }
}

/// A log entry whose report sequence is not the next one: the log in etcd and this store
/// disagree, which the fence makes impossible; the node stops rather than guess.
struct QuorumGap: Error, CustomStringConvertible {
    let expected: SequenceNumber
    let found: SequenceNumber
    var description: String {
        "node.quorumGap: the log in etcd has report \(found) where \(expected) was next"
    }
}
