import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// One connected party on the node endpoint (a daemon, the desk, a watcher).
final class Session {
    let routingID: [UInt8]
    let organisation: OrganisationCode
    var role: DaemonRole?
    /// The party said HELLO and receives the picture stream.
    var subscribed = false
    /// The party said ATTACH or HELLO: it gets heartbeats (so it knows who is active).
    var attached = false
    /// The last sequence sent to it, live or by catch-up.
    var sentUpTo: SequenceNumber = 0
    var job: StreamJob?
    /// What it announced in HELLO that it can read (batched messages).
    var accepts: StreamFeatures = []
    var batched: Bool { accepts.contains(.batches) }
    var lastHeard: ContinuousClock.Instant
    let view: View

    init(routingID: [UInt8], organisation: OrganisationCode, now: ContinuousClock.Instant) {
        self.routingID = routingID
        self.organisation = organisation
        self.lastHeard = now
        self.view = .organisation(organisation)
    }
}

/// Work that streams many messages to one party, paced so it never blocks the loop.
enum StreamJob {
    /// Send the log from `next` on.
    case catchUp(next: SequenceNumber)
    /// Send a snapshot taken at `sequence`, then catch up from there.
    case snapshot(Snapshot)

    struct Snapshot {
        /// The picture at the snapshot's sequence, encoded for the party's class of views and
        /// shared with the other parties of that class.
        let encoding: SnapshotEncoding
        let hash: ViewHash
        /// When the snapshot was taken, for the log line at its end.
        let takenAt: ContinuousClock.Instant
        /// The next message of `encoding` to send.
        var next = 0
        var headerSent = false
    }
}

/// What the node knows of each daemon: the liveness board.
struct BoardEntry {
    var lastHeard: ContinuousClock.Instant
    var lastHeardWall: Int64
    var status: DaemonStatus?
    var role: DaemonRole?
}
