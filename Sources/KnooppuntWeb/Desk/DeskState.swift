import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// How the desk's picture relates to the node's, for the banner every screen shows.
public enum LinkState: String, Sendable {
    /// Not heard from the node yet.
    case connecting
    /// Heard recently and at the node's sequence.
    case live
    /// Heard, but behind the node's sequence for a while (catching up, or updates lost).
    case stale
    /// No message from the node for a while: the picture shown is the last one received.
    case unreachable
}

/// What the desk knows about its connection to the national node.
public struct LinkStatus: Sendable {
    public var state: LinkState = .connecting
    /// Since when (ms since 1970) the state holds.
    public var since: Int64
    /// The last message from the node (ms since 1970, the desk's clock).
    public var lastHeard: Int64?
    /// The node's clock in its last heartbeat, for clock skew.
    public var nodeTime: Int64?
    public var nodeRole: String?
    public var nodeEpoch: UInt64?
    public var nodeLastSequence: UInt64 = 0
    /// The sequence of the desk's picture.
    public var applied: UInt64 = 0
    /// When the node last confirmed that `applied` was its latest sequence (node clock):
    /// "picture as of seq N at T".
    public var confirmedAt: Int64?

    public init(since: Int64) { self.since = since }

    public var json: JSONValue {
        var object = JSONObject()
        object["state"] = state.rawValue
        object.time("since", since)
        object.time("lastHeard", lastHeard)
        object.time("nodeTime", nodeTime)
        object["nodeRole"] = nodeRole
        object.set("nodeEpoch", nodeEpoch.map { Int64($0) })
        object.set("nodeLastSequence", Int64(nodeLastSequence))
        object.set("applied", Int64(applied))
        object.time("confirmedAt", confirmedAt)
        object["message"] = message
        return object.value
    }

    /// One line for the banner.
    public var message: String {
        let asOf =
            "picture as of seq \(applied)"
            + (confirmedAt.map { " at \(AmsterdamTime.text($0))" } ?? "")
        switch state {
        case .connecting: return "Connecting to the national node… \(asOf)"
        case .live: return "Live: \(asOf)"
        case .stale: return "Stale: \(asOf); the node is at seq \(nodeLastSequence)"
        case .unreachable:
            return "National node unreachable since \(AmsterdamTime.text(since)); showing the \(asOf)"
        }
    }
}

/// One immutable state of the desk, published by its loop for the HTTP side: the picture
/// digest, the link to the node, the liveness board, encoded once for every browser.
public struct DeskState: Sendable {
    public let version: UInt64
    public let digest: PictureDigest
    public let link: LinkStatus
    /// The liveness board (see ``Liveness``).
    public let liveness: JSONValue
    /// The desk's own outbox: officers' reports not yet accepted.
    public let writesQueued: Int
    /// Whether the desk has held the node's picture (it may serve it).
    public let ready: Bool
    /// The picture's entries as the desk's view holds them, for what is made from whole
    /// reports (the public CAP feed); not part of ``json``.
    public let records: [Update]
    /// What each party's daemon applied, by the node's board; nil when the board names none.
    public let applied: [OrganisationCode: SequenceNumber]?
    /// The whole state as the live stream and `/api/v1/state` send it.
    public let json: JSONValue
    public let bytes: [UInt8]

    public init(
        version: UInt64, digest: PictureDigest, link: LinkStatus, liveness: JSONValue, writesQueued: Int,
        ready: Bool, records: [Update] = [], applied: [OrganisationCode: SequenceNumber]? = nil
    ) {
        self.version = version
        self.digest = digest
        self.link = link
        self.liveness = liveness
        self.writesQueued = writesQueued
        self.ready = ready
        self.records = records
        self.applied = applied
        json = [
            "type": "state", "version": .integer(Int64(version)), "organisation": "NATIONAL",
            "link": link.json, "picture": digest.json, "liveness": liveness,
            "writes": ["queued": .integer(Int64(writesQueued))], "ready": .bool(ready),
        ]
        bytes = JSONWriter.canonical(json)
    }
}
