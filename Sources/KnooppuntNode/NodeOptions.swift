import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntProtocol
import Logging

/// The node's settings; every limit has a name and a documented default.
public struct NodeOptions: Sendable {
    public var folder: DataFolder
    public var network: NetworkConfig
    public var logger: Logger
    /// Which replica this node is on etcd (its addresses and store); a network without a
    /// backup runs the primary alone.
    public var role: PairRole = .primary
    /// How often the node sends HEARTBEAT to every party (and HUGZ on the CHP stream).
    public var heartbeatInterval: Duration = FailoverTiming.heartbeat
    /// Most submits committed in one transaction (one fsync).
    public var batchLimit = 2_048
    /// A party at most this far behind catches up from the log; further behind, it gets a snapshot.
    public var catchUpLimit: UInt64 = 10_000
    /// Messages queued for one party before the node stops sending live and catches it up later.
    /// At least ``minimumSendHighWaterMark`` (checked by ``validate()``).
    public var sendHighWaterMark: Int32 = 20_000
    /// Messages queued from one party before libzmq stops reading from it.
    public var receiveHighWaterMark: Int32 = 20_000
    /// Messages sent to one party per pass while it catches up, so others get their turn.
    public var catchUpBurst = 2_000
    /// How long close() waits to hand over messages still queued.
    public var linger: Duration = .seconds(1)
    /// Time the loop spends deciding submits before it commits what it has and looks at its
    /// other sockets and timers again.
    public var decideBudget: Duration = .milliseconds(50)
    /// Time per pass spent streaming catch-up and snapshots to parties.
    public var streamBudget: Duration = .milliseconds(20)
    /// Pause between two streaming passes: the loop polls its sockets and runs its timers in
    /// between, so submits and heartbeats are never held up by a party catching up. Short,
    /// because a joiner's whole snapshot waits through every pause.
    public var streamPause: Duration = .milliseconds(1)
    /// Messages per second one organisation may send (all its connections together); beyond
    /// that (and the burst) messages are refused with E500 rateLimited. A daemon sends a few
    /// per second plus its submits, at most a window of 64 in flight: far below this.
    public var peerMessageRate: Double = 2_000
    /// Messages an organisation may send at once before the rate applies.
    public var peerMessageBurst: Double = 4_000
    /// Messages of one organisation read and waiting to be decided; more are refused with
    /// E500 as they are read. A daemon keeps at most a window of 64 reports in flight, so
    /// only a flood reaches this; it keeps one sender from filling the node's queue.
    public var backlogPerOrganisation = 1_024
    /// An organisation over its rate or backlog is answered E500 at most once per interval
    /// (the answer names the report of the message it answers; every refused message is
    /// counted): answering each message of a flood would cost the node as much as reading it.
    public var limitAnswerInterval: Duration = .milliseconds(100)
    /// Audit rows with no log write to ride on (deliveries, refusals, config) are written
    /// together at most this often: one extra fsync per interval, never one per event.
    public var auditFlushInterval: Duration = .seconds(1)
    /// How often the active node signs the audit chain head and hands it to the daemons (when
    /// the chain grew since the last checkpoint).
    public var auditCheckpointInterval: Duration = .seconds(5)
    /// A daemon's progress ("delivered up to N") is audited at most this often per organisation.
    public var deliveryAuditInterval: Duration = .seconds(1)
    /// How often the node looks whether network.json or policy.yaml changed (SIGHUP reloads at once).
    public var configCheckInterval: Duration = .seconds(2)
    /// How often the node looks for signals whose retention ended and deletes their content
    /// (`--signal-expiry-interval`); content lives at most this much past its retention.
    public var signalExpiryInterval: Duration = .seconds(10)
    /// Log lines about refused messages per minute, and as many about refused connections; the
    /// rest are counted (STATUS) and summed up in the audit log.
    public var refusalLogsPerMinute = 120
    /// With etcd: this node is one replica of the national node, its order, durability and
    /// active role decided by etcd; nil: the node runs alone (a network without replicas).
    public var quorum: QuorumOptions?

    public init(folder: DataFolder, network: NetworkConfig, logger: Logger) {
        self.folder = folder
        self.network = network
        self.logger = logger
    }

    /// This node's addresses.
    var address: NodeAddress { network.node(role) ?? network.primary }
}

extension NodeOptions {
    /// Room in a party's send queue beyond a full window of ACKs: heartbeats, WELCOME, an
    /// ERROR or AUDITHEAD queued while the party reads slowly.
    public static let sendHeadroom = 64
    /// The smallest send high-water mark the node starts with: a full window of ACKs plus
    /// headroom. With less, libzmq drops ACKs silently when a client uses its whole window
    /// (measured: 37 of 3,000 ACKs lost with 50 against a window of 64), and the client's
    /// resends come back as `duplicate`.
    public static var minimumSendHighWaterMark: Int32 { Int32(WireLimits.largestWindow + sendHeadroom) }

    /// Refuses settings under which the node would drop answers without a word, or run alone
    /// beside replicas that etcd orders.
    public func validate() throws(ConfigError) {
        guard quorum != nil || network.backup == nil else {
            throw ConfigError(
                "this network has node replicas (\(network.nodes.map(\.role.rawValue).joined(separator: ", "))): each runs on etcd, started with --etcd URL,URL,…; the hot-standby pair without etcd is retired (docs/ARCHITECTURE.md). A network of one node has no backup."
            )
        }
        guard sendHighWaterMark >= Self.minimumSendHighWaterMark else {
            throw ConfigError(
                "the node's send high-water mark \(sendHighWaterMark) is below \(Self.minimumSendHighWaterMark): a client's window of \(WireLimits.largestWindow) ACKs plus \(Self.sendHeadroom) of headroom must fit, or ACKs are dropped; raise --send-high-water-mark"
            )
        }
    }
}
