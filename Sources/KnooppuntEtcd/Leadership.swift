import Synchronization

/// One term of the active role: the campaigner's key under the election prefix, the lease it
/// hangs on, and the epoch, which is the key's create revision. Every new term's key is
/// created later than every earlier one, so epochs rise on every change and are never reused.
public struct LeadershipTerm: Sendable, Hashable {
    /// `PREFIX` + the lease id in hexadecimal, as etcd's own election recipe names it.
    public let key: String
    public let lease: EtcdLease
    /// The create revision of ``key``.
    public let epoch: Int64
    /// Until when the lease surely lives by this replica's clock: the last grant or renewal
    /// that etcd confirmed, counted from when it was sent, plus the TTL etcd gave.
    public let confirmedUntil: ContinuousClock.Instant
}

/// The election of the active replica through etcd, as etcd's election recipe: every
/// campaigner puts a key under one prefix, attached to its own lease; the key with the lowest
/// create revision holds the role. When the holder's lease expires or is revoked its key is
/// deleted and the next campaigner holds it. The holder keeps its lease alive; it has lost
/// the role as soon as it cannot (see ``keepAlive(_:)``), and its commits are fenced by a
/// compare on its key's create revision (KnooppuntCore's `Fence`).
public struct Leadership: Sendable {
    /// The lease's time to live: how long a dead active holds the role before another takes
    /// it, and so the floor of a failover (issue 15: median under 1.5 s). etcd raises a TTL
    /// to its minimum, ceil(1.5 x its election timeout) in whole seconds: 1 s needs an
    /// election timeout of at most 666 ms (``EtcdCluster`` starts its members with 500 ms).
    /// The TTL etcd granted is in ``LeadershipTerm/lease``.
    public static let defaultLeaseTTL: Duration = .seconds(1)
    /// A lease is renewed this many times per TTL, so one lost renewal does not lose the role.
    public static let renewalsPerTTL = 4
    /// One renewal waits this share of the TTL on one member before it asks the next: a
    /// member that hangs (busy, paused, defragmenting) must not use up a 1 s lease alone.
    public static let memberShareOfTTL = 4

    public let client: EtcdClient
    /// The election's prefix, e.g. `/knooppunt/NL/active/`.
    public let prefix: String
    public let leaseTTL: Duration

    public init(client: EtcdClient, prefix: String, leaseTTL: Duration = defaultLeaseTTL) {
        self.client = client
        self.prefix = prefix
        self.leaseTTL = leaseTTL
    }

    /// Takes a lease, puts this campaigner's key with `value` (who it is, e.g. its address)
    /// and waits, keeping the lease alive, until the key is the oldest under the prefix. Returns
    /// the term it holds; the caller then runs ``keepAlive(_:)`` beside its work. Cancelling
    /// the task revokes the lease.
    ///
    /// A waiting campaigner does not poll: it watches the prefix and looks at the holder again
    /// on every delete under it, so it holds the role the moment the holder's key goes (its
    /// lease expired or was revoked), within one watch event of etcd's delete.
    public func campaign(value: [UInt8]) async throws -> LeadershipTerm {
        let asked = ContinuousClock.now
        let lease = try await client.grantLease(ttl: leaseTTL)
        let confirmed = ConfirmedUntil(asked + lease.ttl)
        do {
            let key = prefix + String(lease.id, radix: 16)
            let answer = try await client.txn(
                compare: [EtcdCompare(key: key, .createRevision(0))],
                success: [.put(key: key, value: value, lease: lease.id)],
                failure: [.range(.key(key))])
            let epoch =
                answer.succeeded ? answer.revision : answer.keyValues(at: 0)?.first?.createRevision ?? 0
            let client = client
            let interval = renewalInterval(lease)
            return try await withThrowingTaskGroup(of: LeadershipTerm?.self) { group in
                // Keeps the lease alive while the campaigner waits; returns only by throwing.
                group.addTask {
                    while true {
                        try await Task.sleep(for: interval)
                        let sent = ContinuousClock.now
                        confirmed.set(
                            sent
                                + (try await client.keepAlive(
                                    lease: lease.id, perMember: lease.ttl / Self.memberShareOfTTL)))
                    }
                }
                group.addTask {
                    try await waitUntilHolder(key: key, epoch: epoch) {
                        LeadershipTerm(key: key, lease: lease, epoch: epoch, confirmedUntil: confirmed.get())
                    }
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let term = result { return term }
                }
                throw CancellationError()
            }
        } catch {
            // A campaign given up leaves nothing behind that could later win the role. The
            // revocation runs in a task of its own because this one may be cancelled, which
            // would cancel the request too; it is awaited, so nothing outlives the campaign.
            let client = client
            await Task { try? await client.revoke(lease: lease.id) }.value
            throw error
        }
    }

    /// Returns `term()` once the key is the oldest under the prefix; throws
    /// ``EtcdError/Code/leadershipLost`` when the key is gone. Between looks it waits for a
    /// delete under the prefix (only a delete can make this key the oldest).
    private func waitUntilHolder(
        key: String, epoch: Int64, term: @Sendable () -> LeadershipTerm
    ) async throws -> LeadershipTerm {
        while true {
            let range = try await client.range(.prefix(prefix), limit: 1, order: .createRevision)
            if let holder = range.keyValues.first, holder.createRevision == epoch, holder.key == key {
                return term()
            }
            guard try await client.get(key)?.createRevision == epoch else {
                throw EtcdError(.leadershipLost, "the campaign key \(key) is gone (lease expired)")
            }
            do {
                // From the revision both reads saw at least: no delete after them is missed.
                for try await event in client.watch(.prefix(prefix), from: range.revision + 1)
                where event.kind == .delete {
                    break
                }
            } catch let error as EtcdError where error.code == .compacted {
                // The log's trims compacted past the start: look again from the newest revision.
                continue
            }
        }
    }

    /// The key that holds the role now (the oldest under the prefix), or nil when nobody campaigns.
    public func holder() async throws -> EtcdKeyValue? {
        try await client.range(.prefix(prefix), limit: 1, order: .createRevision).keyValues.first
    }

    /// True while the term's key still exists with the term's epoch as its create revision.
    public func isHeld(byKeyOf term: LeadershipTerm) async throws -> Bool {
        try await client.get(term.key)?.createRevision == term.epoch
    }

    /// Renews the term's lease until the task is cancelled. Returns only by throwing: with
    /// ``EtcdError/Code/leaseNotFound`` when etcd says the lease is gone, or with
    /// ``EtcdError/Code/leadershipLost`` when no renewal was confirmed before the lease's end
    /// by this replica's clock (``LeadershipTerm/confirmedUntil``; the lease may have expired
    /// without this replica hearing it). Either way the caller has lost the
    /// role and must stop acknowledging; its commits are refused by the fence anyway.
    /// `renewed` hears every confirmed renewal's new end (the holder's clock), so a holder can
    /// stop serving by itself the moment that passes.
    public func keepAlive(
        _ term: LeadershipTerm, renewed: @Sendable (ContinuousClock.Instant) -> Void = { _ in }
    ) async throws -> Never {
        var confirmedUntil = term.confirmedUntil
        while true {
            do {
                let sent = ContinuousClock.now
                // No answer is waited for past the lease's end: by then the role is lost.
                guard confirmedUntil > sent else { throw EtcdError(.noQuorum, "no renewal answered in time") }
                let ttl = try await client.keepAlive(
                    lease: term.lease.id, timeout: confirmedUntil - sent,
                    perMember: term.lease.ttl / Self.memberShareOfTTL)
                confirmedUntil = sent + ttl
                renewed(confirmedUntil)
            } catch let error as EtcdError where error.code == .leaseNotFound {
                throw error
            } catch let error as EtcdError {
                guard ContinuousClock.now < confirmedUntil else {
                    throw EtcdError(
                        .leadershipLost, "lease \(term.lease.id) not renewed within its TTL: \(error)")
                }
            }
            try await Task.sleep(for: renewalInterval(term.lease))
        }
    }

    /// Gives the role up: the lease is revoked and the key deleted, so the next campaigner
    /// holds it at once instead of after the TTL.
    public func resign(_ term: LeadershipTerm) async throws {
        try await client.revoke(lease: term.lease.id)
    }

    func renewalInterval(_ lease: EtcdLease) -> Duration { lease.ttl / Self.renewalsPerTTL }
}

/// The end of a waiting campaigner's lease as its renewals confirm it, shared between the
/// renewing task and the one that returns the term.
private final class ConfirmedUntil: Sendable {
    private let instant: Mutex<ContinuousClock.Instant>
    init(_ instant: ContinuousClock.Instant) { self.instant = Mutex(instant) }
    func get() -> ContinuousClock.Instant { instant.withLock { $0 } }
    func set(_ new: ContinuousClock.Instant) { instant.withLock { $0 = max($0, new) } }
}
