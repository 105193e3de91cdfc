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
    /// The lease's time to live: how long a dead active holds the role before another takes it.
    public static let defaultLeaseTTL: Duration = .seconds(3)
    /// How often a waiting campaigner looks whether it holds the role now.
    public static let campaignPollInterval: Duration = .milliseconds(100)
    /// A lease is renewed this many times per TTL, so one lost renewal does not lose the role.
    public static let renewalsPerTTL = 3

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
    public func campaign(value: [UInt8]) async throws -> LeadershipTerm {
        let asked = ContinuousClock.now
        let lease = try await client.grantLease(ttl: leaseTTL)
        var confirmedUntil = asked + lease.ttl
        do {
            let key = prefix + String(lease.id, radix: 16)
            let answer = try await client.txn(
                compare: [EtcdCompare(key: key, .createRevision(0))],
                success: [.put(key: key, value: value, lease: lease.id)],
                failure: [.range(.key(key))])
            let epoch =
                answer.succeeded ? answer.revision : answer.keyValues(at: 0)?.first?.createRevision ?? 0
            var renewed = asked
            while true {
                let term = LeadershipTerm(
                    key: key, lease: lease, epoch: epoch, confirmedUntil: confirmedUntil)
                if let holder = try await holder(), holder.createRevision == epoch, holder.key == key {
                    return term
                }
                if ContinuousClock.now - renewed >= renewalInterval(lease) {
                    let sent = ContinuousClock.now
                    confirmedUntil = sent + (try await client.keepAlive(lease: lease.id))
                    renewed = sent
                }
                guard try await isHeld(byKeyOf: term) else {
                    throw EtcdError(.leadershipLost, "the campaign key \(key) is gone (lease expired)")
                }
                try await Task.sleep(for: Self.campaignPollInterval)
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
                let ttl = try await client.keepAlive(lease: term.lease.id, timeout: confirmedUntil - sent)
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
