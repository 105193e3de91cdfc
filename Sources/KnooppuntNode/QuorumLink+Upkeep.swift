import KnooppuntCore
import KnooppuntEtcd

/// What the monitor saw of etcd: the members that answered, the largest database, the alarms
/// raised, and where the log starts.
struct QuorumHealth: Sendable {
    var membersReachable: Int
    var members: Int
    /// The largest member database file, in bytes (0 when none answered).
    var dbSize: Int64
    /// Raised alarms by name (`NOSPACE`, `CORRUPT`), each once.
    var alarms: [String]
    /// The log's entries up to here are trimmed (its first key is the next); nil when unknown.
    var trimmedThrough: UInt64?
}

/// The log's upkeep through etcd, each call in a task of its own, results posted to the loop:
/// the applied record, the active's trims (fenced), compaction, defragment, and the recovery
/// from a full database.
extension QuorumLink {
    /// How often the monitor asks every member for its status and the alarms.
    static let monitorInterval: Duration = .seconds(2)

    /// Writes this replica's applied record; posts whether etcd took it.
    func recordApplied(_ applied: LogTrim.Applied) {
        let client = client
        let key = layout.appliedKey(applied.replica)
        let post = post
        Task {
            let done = (try? await client.put(key, applied.value)) != nil
            post { $0.quorumRecorded(applied, done: done) }
        }
    }

    /// Reads every replica's applied record, plans a trim (``LogTrim/plan``) on `fence`'s tip,
    /// deletes the entries through the fence, compacts etcd's history to the plan's revision
    /// and, when `defragment`, defragments every member one after another. Posts the plan
    /// that ran (nil: nothing to trim) or the failure.
    func trim(fence: Fence, trimmedThrough: UInt64, sizes: LogTrim.Sizes, defragment: Bool, epoch: Int64) {
        let client = client
        let layout = layout
        let post = post
        let limits = options.trim
        Task {
            do {
                guard case .active(let tip) = fence.state else { return }
                let records = try await Self.appliedRecords(client, layout)
                var plan = LogTrim.plan(
                    tip: tip, trimmedThrough: trimmedThrough, applied: records, limits: limits, sizes: sizes)
                if let next = plan, let trim = fence.trim(through: next.through) {
                    guard try await Self.run(trim, client) else {
                        post { $0.quorumTrimmed(nil, epoch: epoch, failure: "fenced") }
                        return
                    }
                    try await Self.compact(client, to: next.compactTo)
                } else {
                    plan = nil
                }
                if defragment { try await Self.defragmentAll(client) }
                let done = plan
                post { $0.quorumTrimmed(done, epoch: epoch, failure: nil) }
            } catch {
                let reason = "\(error)"
                post { $0.quorumTrimmed(nil, epoch: epoch, failure: reason) }
            }
        }
    }

    /// After etcd's database reached its space quota: deletes what a trim may (a delete runs
    /// while the NOSPACE alarm is raised; only the active, with its `fence`, trims), compacts
    /// all history up to now, defragments every member and disarms the NOSPACE alarms. Posts
    /// whether it got that far. The node disarms itself rather than waiting for an operator:
    /// it is the only writer of its key space, it frees space before it disarms, and if that
    /// was not enough etcd raises the alarm again at the next write, so a disarm can never let
    /// the database grow past its quota. A replica without the role does the same, without
    /// the trim, when the alarm outlasts the active (NodeLoop's roleLessSpaceWait).
    func recoverSpace(fence: Fence?, trimmedThrough: UInt64, sizes: LogTrim.Sizes, epoch: Int64) {
        let client = client
        let layout = layout
        let post = post
        let limits = options.trim
        Task {
            do {
                if let fence, case .active(let tip) = fence.state {
                    let records = try await Self.appliedRecords(client, layout)
                    if let plan = LogTrim.plan(
                        tip: tip, trimmedThrough: trimmedThrough, applied: records, limits: limits,
                        sizes: sizes),
                        let trim = fence.trim(through: plan.through)
                    {
                        _ = try await Self.run(trim, client)
                    }
                }
                // All history: the space of deleted keys comes back only once no revision needs
                // them. A follower whose watch was behind reads the log again from its own point.
                let head = try await client.range(.key(layout.logPrefix)).revision
                try await Self.compact(client, to: head)
                try await Self.defragmentAll(client)
                for alarm in try await client.alarms() where alarm.alarm == "NOSPACE" {
                    try await client.disarm(alarm)
                }
                post { $0.quorumSpaceRecovered(epoch: epoch, failure: nil) }
            } catch {
                let reason = "\(error)"
                post { $0.quorumSpaceRecovered(epoch: epoch, failure: reason) }
            }
        }
    }

    /// Asks every member for its status and the cluster for its alarms and the log's first key,
    /// every ``monitorInterval`` until the link stops; posts each round's ``QuorumHealth``.
    func startMonitor() {
        let client = client
        let layout = layout
        let post = post
        let task = Task {
            while !Task.isCancelled {
                var reachable = 0
                var dbSize: Int64 = 0
                for endpoint in client.endpoints {
                    if let status = try? await client.status(of: endpoint) {
                        reachable += 1
                        dbSize = max(dbSize, status.dbSize)
                    }
                }
                let alarms = (try? await client.alarms()).map { Array(Set($0.map(\.alarm))).sorted() } ?? []
                var trimmed: UInt64?
                if let first = try? await client.range(.prefix(layout.logPrefix), limit: 1) {
                    trimmed = first.keyValues.first.flatMap { layout.sequence(ofEntryKey: $0.key) }.map {
                        $0 - 1
                    }
                }
                let health = QuorumHealth(
                    membersReachable: reachable, members: client.endpoints.count, dbSize: dbSize,
                    alarms: alarms, trimmedThrough: trimmed)
                post { $0.quorumHealth(health) }
                try? await Task.sleep(for: Self.monitorInterval)
            }
        }
        setMonitor(task)
    }

    /// Runs a fenced trim; false when the election key's compare failed (the role is lost).
    private static func run(_ trim: Fence.Trim, _ client: EtcdClient) async throws -> Bool {
        let result = try await client.txn(
            compare: trim.compares.map { EtcdCompare(key: $0.key, .createRevision($0.value)) },
            success: [.delete(.between(trim.from, trim.to))])
        return result.succeeded
    }

    /// Compacts to `revision`; a revision compacted already (another round got there) is fine.
    /// Every replica's record of how far it applied the log (``LogTrim/Applied``).
    static func appliedRecords(_ client: EtcdClient, _ layout: Fence.Layout) async throws -> [LogTrim.Applied]
    {
        try await client.range(.prefix(layout.appliedPrefix)).keyValues.compactMap {
            LogTrim.Applied(replica: String($0.key.dropFirst(layout.appliedPrefix.count)), value: $0.value)
        }
    }

    /// Compacts etcd's history below `revision` (0: nothing); a revision compacted already is fine.
    static func compact(_ client: EtcdClient, to revision: Int64) async throws {
        guard revision > 0 else { return }
        do {
            try await client.compact(to: revision)
        } catch let error as EtcdError where error.code == .compacted {
            return
        }
    }

    /// Defragments the members one at a time. Each blocks its member while it runs (a small
    /// database: milliseconds to a second); the others keep a majority meanwhile, so commits
    /// go on, and it runs at most every ``LogTrim/Limits/defragmentInterval`` or after a full
    /// database, which is why that blocking is safe for the ACK path. A member that does not
    /// answer is passed over (it is defragmented next time); none answering is a failure.
    private static func defragmentAll(_ client: EtcdClient) async throws {
        var done = 0
        var last: (any Error)?
        for endpoint in client.endpoints {
            do {
                try await client.defragment(endpoint)
                done += 1
            } catch {
                last = error
            }
        }
        if done == 0, let last { throw last }
    }
}
