import FramePacking

extension ZMQSocket {
    /// Sends `parts` as one packed frame, after `routing` (a ROUTER's peer id) when given.
    @discardableResult
    public func sendPacked(_ parts: [[UInt8]], routing: [UInt8]? = nil, dontWait: Bool = false) throws -> Bool
    {
        let packed = FramePack.pack(parts)
        return try send(routing.map { [$0, packed] } ?? [packed], dontWait: dontWait)
    }
}

extension Message {
    /// The parts of a packed message (after the routing id when `routed`); nil when it is not
    /// exactly one well-formed pack.
    public func unpacked(routed: Bool, maxParts: Int) -> [[UInt8]]? {
        let expected = routed ? 2 : 1
        guard frames.count == expected, !truncated else { return nil }
        return FramePack.unpack(frames[expected - 1], maxParts: maxParts)
    }
}
