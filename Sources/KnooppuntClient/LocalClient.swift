import Foundation
import KnooppuntConfig
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// A short conversation with a local socket of a running process (a daemon's operator
/// socket or the node's control socket), from the CLI's own thread.
public final class LocalClient {
    let context = ZMQContext()
    let socket: ZMQSocket
    public let endpoint: String

    public init(endpoint: String) throws {
        self.endpoint = endpoint
        socket = try ZMQSocket(context, .dealer, name: "cli")
        try socket.set([.linger(.milliseconds(200)), .immediate(true), .maxMessageSize(64 << 20)])
        try socket.connect(endpoint)
    }

    deinit {
        socket.close()
        context.terminate()
    }

    /// Whether the socket file exists (a daemon that never ran has none).
    public static func socketExists(_ endpoint: String) -> Bool {
        FileManager.default.fileExists(atPath: String(endpoint.dropFirst("ipc://".count)))
    }

    /// Sends a command; waits up to `connectTimeout` for the local connection to come up
    /// (IMMEDIATE refuses to queue for a peer that is not connected yet).
    public func send(
        _ command: String, _ frames: [[UInt8]] = [], connectTimeout: Duration = .seconds(3)
    ) throws {
        try send([protocolSignature, Array(command.utf8)] + frames, connectTimeout: connectTimeout)
    }

    /// Sends one message's parts ([KNP1, COMMAND, frame...]) packed in one frame.
    public func send(_ parts: [[UInt8]], connectTimeout: Duration = .seconds(3)) throws {
        let deadline = ContinuousClock.now + connectTimeout
        while try !socket.sendPacked(parts, dontWait: true) {
            guard ContinuousClock.now < deadline else { throw ConnectionRefused(endpoint: endpoint) }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// The next message (after the KNP1 frame), or nil when nothing came within `timeout`.
    public func receive(timeout: Duration) throws -> (command: String, frames: [[UInt8]])? {
        var poller = Poller()
        poller.add(.socket(socket))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let ready = try poller.poll(
                timeout: min(ContinuousClock.now.duration(to: deadline), .milliseconds(200)))
            guard ready[0].contains(.readable), let message = try socket.receive(dontWait: true) else {
                continue
            }
            guard let parts = message.unpacked(routed: false, maxParts: 16), parts.count >= 2,
                parts[0] == protocolSignature
            else { continue }
            return (String(decoding: parts[1], as: UTF8.self), Array(parts.dropFirst(2)))
        }
        return nil
    }

    /// Sends a command and waits for its JSON reply (one frame).
    public func requestJSON(
        _ command: String, _ frames: [[UInt8]] = [], timeout: Duration = .seconds(5)
    ) throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        try send(command, frames, connectTimeout: timeout)
        guard let reply = try receive(timeout: ContinuousClock.now.duration(to: deadline)) else {
            throw ConnectionRefused(endpoint: endpoint)
        }
        guard let frame = reply.frames.last, let json = try? JSONParser.parse(frame) else {
            throw ConnectionRefused(endpoint: endpoint)
        }
        return json
    }

    public struct ConnectionRefused: Error, CustomStringConvertible {
        public let endpoint: String
        public var description: String { "no answer on \(endpoint)" }
    }
}

extension LocalClient {
    /// Asks a node's control socket for its STATUS.
    public func nodeStatus(timeout: Duration = .seconds(5)) throws -> NodeStatus {
        guard let status = NodeStatus(json: try requestJSON("STATUS", timeout: timeout)) else {
            throw ConnectionRefused(endpoint: endpoint)
        }
        return status
    }
}

/// The national nodes' control sockets on this host (`DIR/node*/control.sock`).
public enum NodeControl {
    /// The status of every national node of the network in `folder`, primary first (nil for
    /// a node that does not answer).
    public static func statuses(
        _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
    ) -> [(role: PairRole, status: NodeStatus?)] {
        network.nodes.map { node in
            (
                node.role,
                try? LocalClient(endpoint: folder.controlEndpoint(of: node.role)).nodeStatus(timeout: timeout)
            )
        }
    }

    /// The status of the node that serves (active, or alone); the later epoch when two say so.
    public static func active(
        _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
    ) -> NodeStatus? {
        statuses(folder, network, timeout: timeout).compactMap(\.status).filter(\.isServing).max {
            $0.epoch < $1.epoch
        }
    }
}

/// The local status of every national node of the network in `folder`, primary first, as
/// JSON (``NodeControl/statuses(_:_:timeout:)`` typed).
public func nodeStatuses(
    _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
)
    -> [(role: PairRole, status: JSONValue?)]
{
    NodeControl.statuses(folder, network, timeout: timeout).map { ($0.role, $0.status?.json) }
}

/// The status of the node that is active (or serving alone), as JSON
/// (``NodeControl/active(_:_:timeout:)`` typed).
public func activeNodeStatus(
    _ folder: DataFolder, _ network: NetworkConfig, timeout: Duration = .milliseconds(700)
) -> JSONValue? {
    NodeControl.active(folder, network, timeout: timeout)?.json
}
