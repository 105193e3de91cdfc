import KnooppuntCore
import KnooppuntEtcd
import Synchronization

/// How a node runs as one replica of the national node on etcd (docs/ARCHITECTURE.md, "etcd").
public struct QuorumOptions: Sendable {
    /// Every etcd member's client URL, e.g. `http://127.0.0.1:2379`.
    public var endpoints: [String]
    /// The network's name in etcd's key space (`/knooppunt/<name>/…`): one path segment.
    public var networkName: String
    /// The TLS material for `https://` members (nil: plain HTTP, loopback only).
    public var tls: EtcdTLS?
    /// How long a dead active holds the role before another replica takes it.
    public var leaseTTL: Duration = Leadership.defaultLeaseTTL
    /// The pause before a failed etcd call (no majority, no member) is made again.
    public var retryPause: Duration = .milliseconds(250)
    /// When the log is trimmed, how far, and how often the replica records its progress.
    public var trim = LogTrim.Limits()

    public init(endpoints: [String], networkName: String) {
        self.endpoints = endpoints
        self.networkName = networkName
    }

    /// A network name etcd's key layout can hold.
    public static func isValidNetworkName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/")
    }
}

/// What a read of the log found: entries in order (index, value, the revision that wrote
/// it), the store's revision at the read, where a watch goes on, and whether more entries
/// follow (a read returns at most ``QuorumLink/maximumEntriesPerRead``).
struct QuorumRead: Sendable {
    var entries: [(index: UInt64, value: [UInt8], modRevision: Int64)]
    var revision: Int64
    var more = false
}

/// The node's calls to etcd, each in a task off the poll loop: the election, commits, reads
/// and the watch of the log. Every result goes back to the loop through `post` (the loop's
/// own queue of work), so the loop never waits on HTTP and all state stays on its thread.
final class QuorumLink: Sendable {
    typealias Post = @Sendable (@escaping @Sendable (NodeLoop) -> Void) -> Void

    let options: QuorumOptions
    let client: EtcdClient
    let layout: Fence.Layout
    let leadership: Leadership
    /// Who campaigns: the replica's node endpoint, readable in etcd by an operator.
    let identity: [UInt8]
    /// This replica's name in etcd's key space (its applied record): its endpoint, made one
    /// key segment.
    let replicaName: String
    let post: Post
    private let tasks = Mutex(Tasks())
    /// Entries the watch delivered and the loop has not taken yet (see ``takeWatched(generation:)``).
    private let watched = Mutex(WatchBuffer())

    /// The long-running tasks, replaced (and the old one cancelled) as the loop decides.
    private struct Tasks {
        var election: Task<Void, Never>?
        var watcher: Task<Void, Never>?
        var monitor: Task<Void, Never>?
        var stopped = false
    }

    /// The watch's entries on their way to the loop. One drain is posted at a time; while the
    /// loop applies a batch the next one gathers here, so a busy follower applies many entries
    /// per transaction instead of one.
    private struct WatchBuffer {
        var generation: UInt64 = 0
        var entries: [(index: UInt64, value: [UInt8], modRevision: Int64)] = []
        var bytes = 0
        var drainPosted = false
    }

    /// The most items a follower applies in one transaction (one fsync); an entry larger
    /// than that is applied alone.
    static let maximumItemsPerApply = 4_096
    /// The most entries one read of the log returns, and one drain of the watch takes: an
    /// entry is one commit of up to ``Fence/maximumCommitBytes``.
    static let maximumEntriesPerRead = 64
    /// The most watched bytes waiting for the loop; the watch waits beyond it.
    static let maximumWatchedBytes = 64 * Fence.maximumCommitBytes
    /// How long the watch waits for the loop to take entries when the buffer is full.
    static let watchBackoff: Duration = .milliseconds(10)
    /// How long a follower lets watched entries gather before it applies them: at a steady
    /// 1,000 reports/s the active commits every few milliseconds, and applying each commit
    /// alone cost every follower a store transaction and an fsync per commit, CPU that the
    /// active and etcd's members need on the same machine. A follower that wins the role
    /// reads the log to the tip first, so this wait never delays a takeover's catch-up.
    static let applyGathering: Duration = .milliseconds(20)

    init(options: QuorumOptions, identity: String, post: @escaping Post) {
        self.options = options
        // The command line checked the URLs and the material (`EtcdTLS.check`, `validate()`)
        // before the node started; what fails here fails at every call instead, with its
        // reason (never a fallback to a client without TLS).
        do {
            client = try EtcdClient(endpoints: options.endpoints, tls: options.tls)
        } catch {
            client = EtcdClient(
                endpoints: options.endpoints,
                failingWith: error as? EtcdError ?? EtcdError(.tlsMaterial, "\(error)"))
        }
        layout = Fence.Layout(network: options.networkName)
        leadership = Leadership(client: client, prefix: layout.activePrefix, leaseTTL: options.leaseTTL)
        self.identity = Array(identity.utf8)
        replicaName = Fence.Layout.replicaName(identity)
        self.post = post
    }

    // MARK: The election

    /// Campaigns for the active role until stopped: each term won is posted to the loop
    /// (``NodeLoop/quorumWon(_:)``), its lease kept alive, and its loss posted too
    /// (``NodeLoop/quorumLost(_:reason:)``); then it campaigns again.
    func campaign() {
        let leadership = leadership
        let identity = identity
        let post = post
        let pause = options.retryPause
        let task = Task {
            while !Task.isCancelled {
                var held: LeadershipTerm?
                do {
                    let term = try await leadership.campaign(value: identity)
                    held = term
                    post { $0.quorumWon(term) }
                    try await leadership.keepAlive(term) { until in
                        post { $0.quorumRenewed(term, until: until) }
                    }
                } catch {
                    if let held {
                        let reason = "\(error)"
                        post { $0.quorumLost(held, reason: reason) }
                        // A term given up leaves nothing behind; in a task of its own because
                        // this one may be cancelled, which would cancel the request too.
                        await Task { try? await leadership.resign(held) }.value
                    }
                    if Task.isCancelled { return }
                    try? await Task.sleep(for: pause)
                }
            }
        }
        let old = tasks.withLock { tasks in
            defer { tasks.election = tasks.stopped ? nil : task }
            return tasks.stopped ? task : tasks.election
        }
        old?.cancel()
    }

    /// Gives the role up (a fenced or stale term) and campaigns anew.
    func restartCampaign() { campaign() }

    var isStopped: Bool { tasks.withLock { $0.stopped } }

    /// Keeps `task` as the monitor (see QuorumLink+Upkeep), or cancels it once stopped.
    func setMonitor(_ task: Task<Void, Never>) {
        let old = tasks.withLock { tasks in
            defer { tasks.monitor = tasks.stopped ? nil : task }
            return tasks.stopped ? task : tasks.monitor
        }
        old?.cancel()
    }

    // MARK: The log

    /// Sends one fenced commit; its answer (or failure) is posted with the epoch it was made in.
    func commit(_ commit: Fence.Commit, epoch: Int64) {
        let client = client
        let post = post
        // Encoded here, on the loop, in log order: the tasks then only send, so a commit that
        // follows another seldom reaches etcd before it (which would be refused and resent).
        let request = EtcdTxnRequest(
            compare: commit.compares.map(Self.etcdCompare),
            success: commit.puts.map { .put(key: $0.key, value: $0.value) },
            failure: commit.reads.map { .range(.key($0)) })
        Task {
            do {
                let result = try await client.txn(request)
                let answer = Fence.Answer(
                    succeeded: result.succeeded, revision: result.revision,
                    electionCreateRevision: result.keyValues(at: 0)?.first?.createRevision ?? 0,
                    lastEntryModRevision: result.keyValues(at: 1)?.first?.modRevision ?? 0)
                post { $0.quorumAnswered(commit, answer, epoch: epoch) }
            } catch {
                let reason = "\(error)"
                let full = (error as? EtcdError)?.code == .spaceQuotaExceeded
                post { $0.quorumCommitFailed(commit, epoch: epoch, reason: reason, spaceFull: full) }
            }
        }
    }

    /// A fence's compare as etcd's.
    static func etcdCompare(_ compare: Fence.Compare) -> EtcdCompare {
        let target: EtcdCompare.Target =
            switch compare.target {
            case .createRevision: .createRevision(compare.value)
            case .modRevision: .modRevision(compare.value)
            }
        return EtcdCompare(key: compare.key, target, compare.relation == .greater ? .greater : .equal)
    }

    /// Reads every log entry after `index`, then posts what it found to `deliver` on the loop;
    /// a failed read is tried again after the retry pause until it succeeds or the link stops.
    func read(
        after index: UInt64,
        _ deliver: @escaping @Sendable (NodeLoop, QuorumRead) -> Void
    ) {
        let client = client
        let layout = layout
        let post = post
        let pause = options.retryPause
        Task {
            while !self.isStopped {
                do {
                    // From the next key on, in key order; keys past the log prefix are not the log's.
                    let range = try await client.range(
                        .from(layout.entryKey(index + 1)), limit: Self.maximumEntriesPerRead)
                    var entries: [(index: UInt64, value: [UInt8], modRevision: Int64)] = []
                    var past = false
                    for keyValue in range.keyValues {
                        guard let entry = layout.sequence(ofEntryKey: keyValue.key) else {
                            past = true
                            break
                        }
                        entries.append((entry, keyValue.value, keyValue.modRevision))
                    }
                    let read = QuorumRead(
                        entries: entries, revision: range.revision, more: range.more && !past)
                    post { deliver($0, read) }
                    return
                } catch {
                    try? await Task.sleep(for: pause)
                }
            }
        }
    }

    /// Watches the log from `revision` on and posts every new entry with `generation`, so the
    /// loop ignores a watch it has replaced. A watch that ends (compacted, no member) posts
    /// ``NodeLoop/quorumWatchEnded(generation:reason:)``.
    func watch(from revision: Int64, generation: UInt64) {
        let client = client
        let layout = layout
        let post = post
        watched.withLock { $0 = WatchBuffer(generation: generation) }
        let task = Task {
            do {
                for try await event in client.watch(.prefix(layout.logPrefix), from: revision) {
                    // Deletes are the active's trims: nothing for a follower to apply.
                    guard event.kind == .put, let index = layout.sequence(ofEntryKey: event.keyValue.key)
                    else { continue }
                    while self.watched.withLock({ $0.bytes >= Self.maximumWatchedBytes }) {
                        try await Task.sleep(for: Self.watchBackoff)
                    }
                    let postDrain = self.watched.withLock { buffer -> Bool in
                        guard buffer.generation == generation else { return false }
                        buffer.entries.append((index, event.keyValue.value, event.keyValue.modRevision))
                        buffer.bytes += event.keyValue.value.count
                        defer { buffer.drainPosted = true }
                        return !buffer.drainPosted
                    }
                    if postDrain { post { $0.quorumDrainWatched(generation: generation) } }
                }
            } catch is CancellationError {
                return
            } catch {
                let reason = "\(error)"
                post { $0.quorumWatchEnded(generation: generation, reason: reason) }
            }
        }
        let old = tasks.withLock { tasks in
            defer { tasks.watcher = tasks.stopped ? nil : task }
            return tasks.stopped ? task : tasks.watcher
        }
        old?.cancel()
    }

    /// Takes up to ``maximumEntriesPerRead`` watched entries of `generation`, oldest first;
    /// `more` says that a drain is still due (the loop posts it again).
    func takeWatched(
        generation: UInt64
    ) -> (
        entries: [(index: UInt64, value: [UInt8], modRevision: Int64)], more: Bool
    ) {
        watched.withLock { buffer in
            guard buffer.generation == generation else { return ([], false) }
            let count = min(buffer.entries.count, Self.maximumEntriesPerRead)
            let taken = Array(buffer.entries.prefix(count))
            buffer.entries.removeFirst(count)
            buffer.bytes -= taken.reduce(0) { $0 + $1.value.count }
            buffer.drainPosted = !buffer.entries.isEmpty
            return (taken, buffer.drainPosted)
        }
    }

    func stopWatching() {
        tasks.withLock { tasks in
            defer { tasks.watcher = nil }
            return tasks.watcher
        }?.cancel()
    }

    /// Ends every task: the election's lease is revoked on the way out, so another replica
    /// takes the role at once instead of after the TTL.
    func stop() {
        let old = tasks.withLock { tasks in
            defer { tasks = Tasks(stopped: true) }
            return [tasks.watcher, tasks.election, tasks.monitor]
        }
        for task in old { task?.cancel() }
    }
}
