/// A multipart message as received, with the connection facts libzmq attached to it.
public struct Message: Sendable, Equatable {
    /// The frames in order. A ROUTER socket puts the peer's routing id first.
    public var frames: [[UInt8]]
    /// "User-Id" set by the ZAP handler for the sending connection (nil without ZAP or over inproc).
    public var userId: String?
    /// "Peer-Address" of the sending connection (the remote IP for tcp; nil over inproc).
    public var peerAddress: String?
    /// True when the sender sent more frames than the receive call allowed; the rest were discarded.
    public var truncated: Bool

    public init(frames: [[UInt8]], userId: String? = nil, peerAddress: String? = nil, truncated: Bool = false)
    {
        self.frames = frames
        self.userId = userId
        self.peerAddress = peerAddress
        self.truncated = truncated
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of a string, for building frames.
    @inlinable public init(utf8 string: String) { self = Array(string.utf8) }
}
