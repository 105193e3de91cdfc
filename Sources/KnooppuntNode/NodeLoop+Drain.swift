import ZeroMQ

/// A clean stop (SIGTERM, Ctrl-C): what waits is written before the sockets close.
extension NodeLoop {
    /// How often the loop looks whether etcd committed what waits, while it drains.
    static let drainPoll: Duration = .milliseconds(10)

    /// Writes the rows waiting for the audit chain now instead of at the next flush; on etcd
    /// they go to etcd with what else waits there, and `done` runs once etcd committed every
    /// batch made so far (and their ACKs went out), once this replica no longer holds the
    /// role, or at `deadline`, whichever comes first. Batches made while it waits are not
    /// waited for, so a stop under load takes a commit or two, not the deadline. Without
    /// etcd the rows are in this store at once. A row still queued at a stop would otherwise
    /// be lost: on etcd it may enter a store only through the log.
    func drainForStop(until deadline: ContinuousClock.Instant, _ done: @escaping () -> Void) {
        flushAudit()
        waitForEtcd(through: batchCounter, until: deadline, done)
    }

    private func waitForEtcd(
        through last: UInt64, until deadline: ContinuousClock.Instant, _ done: @escaping () -> Void
    ) {
        guard let quorum, quorum.holdsRole, let first = awaiting.first, first.id <= last,
            ContinuousClock.now < deadline
        else {
            done()
            return
        }
        loop.after(Self.drainPoll) { [unowned self] in waitForEtcd(through: last, until: deadline, done) }
    }
}
