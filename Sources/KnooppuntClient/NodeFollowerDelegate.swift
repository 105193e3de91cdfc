import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// What the owner of a ``NodeFollower`` does with what the nodes say. Calls arrive on the
/// follower's thread, in the order the node sent the messages; within one round of messages
/// the mirror's updates come after ``nodeFollowerWillApply(_:)``.
public protocol NodeFollowerDelegate: AnyObject {
    /// We follow `link` from now on because its heartbeat says active: everything
    /// outstanding goes there (reset the outbox's timers). A HELLO follows.
    func nodeFollower(
        _ follower: NodeFollower, startedFollowing link: NodeLink, reason: NodeFollower.FollowReason)
    /// After a switch: send what is due.
    func nodeFollowerMaySubmit(_ follower: NodeFollower)
    /// Any message from the followed node (for "last heard" displays).
    func nodeFollower(
        _ follower: NodeFollower, heardFollowed link: NodeLink, now: ContinuousClock.Instant, wall: Int64)
    /// An ACK, or an ERROR other than "not active", from any node.
    func nodeFollower(_ follower: NodeFollower, answered message: ServerMessage, now: ContinuousClock.Instant)
    /// A heartbeat from any node (before the mirror sees it).
    func nodeFollower(_ follower: NodeFollower, heartbeat: Heartbeat, from link: NodeLink, followed: Bool)
    /// A WELCOME (before the mirror sees it).
    func nodeFollower(_ follower: NodeFollower, welcomed: NodeFollower.Welcome, now: ContinuousClock.Instant)
    /// The node's signed audit head.
    func nodeFollower(_ follower: NodeFollower, auditHead: AuditCheckpoint)
    /// An update at or below what the mirror applied (history asked for with FETCH).
    func nodeFollower(_ follower: NodeFollower, alreadyApplied update: Update)
    /// The round's messages are read; the mirror's updates follow.
    func nodeFollowerWillApply(_ follower: NodeFollower)
    /// Updates the mirror applied, in order.
    func nodeFollower(_ follower: NodeFollower, apply updates: [Update])
    /// The mirror was replaced by a snapshot.
    func nodeFollower(
        _ follower: NodeFollower, replaceWith entries: [PictureEntry], sequence: SequenceNumber, epoch: Epoch)
    /// The round is done.
    func nodeFollowerDidServe(_ follower: NodeFollower)
}

extension NodeFollowerDelegate {
    public func nodeFollower(
        _ follower: NodeFollower, startedFollowing link: NodeLink, reason: NodeFollower.FollowReason
    ) {}
    public func nodeFollowerMaySubmit(_ follower: NodeFollower) {}
    public func nodeFollower(
        _ follower: NodeFollower, heardFollowed link: NodeLink, now: ContinuousClock.Instant, wall: Int64
    ) {}
    public func nodeFollower(
        _ follower: NodeFollower, answered message: ServerMessage, now: ContinuousClock.Instant
    ) {}
    public func nodeFollower(
        _ follower: NodeFollower, heartbeat: Heartbeat, from link: NodeLink, followed: Bool
    ) {}
    public func nodeFollower(
        _ follower: NodeFollower, welcomed: NodeFollower.Welcome, now: ContinuousClock.Instant
    ) {}
    public func nodeFollower(_ follower: NodeFollower, auditHead: AuditCheckpoint) {}
    public func nodeFollower(_ follower: NodeFollower, alreadyApplied update: Update) {}
    public func nodeFollowerWillApply(_ follower: NodeFollower) {}
    public func nodeFollower(_ follower: NodeFollower, apply updates: [Update]) {}
    public func nodeFollower(
        _ follower: NodeFollower, replaceWith entries: [PictureEntry], sequence: SequenceNumber, epoch: Epoch
    ) {}
    public func nodeFollowerDidServe(_ follower: NodeFollower) {}
}
