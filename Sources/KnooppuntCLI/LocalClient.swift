import Foundation
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// A short conversation with a local socket of a running process (a daemon's operator
/// socket or the node's control socket), from the CLI's own thread.
final class LocalClient {
    let context = ZMQContext()
    let socket: ZMQSocket
    let endpoint: String

    init(endpoint: String) throws {
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
    static func socketExists(_ endpoint: String) -> Bool {
        FileManager.default.fileExists(atPath: String(endpoint.dropFirst("ipc://".count)))
    }

    func send(_ command: String, _ frames: [[UInt8]] = []) throws {
        // With IMMEDIATE set, a send to a socket nobody listens on would wait; do not block.
        guard try socket.send([protocolSignature, Array(command.utf8)] + frames, dontWait: true) else {
            throw ConnectionRefused(endpoint: endpoint)
        }
    }

    /// The next message (after the KNP1 frame), or nil when nothing came within `timeout`.
    func receive(timeout: Duration) throws -> (command: String, frames: [[UInt8]])? {
        var poller = Poller()
        poller.add(.socket(socket))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let ready = try poller.poll(
                timeout: min(ContinuousClock.now.duration(to: deadline), .milliseconds(200)))
            guard ready[0].contains(.readable), let message = try socket.receive(dontWait: true) else {
                continue
            }
            guard message.frames.count >= 2, message.frames[0] == protocolSignature else { continue }
            return (String(decoding: message.frames[1], as: UTF8.self), Array(message.frames.dropFirst(2)))
        }
        return nil
    }

    /// Sends a command and waits for its JSON reply (one frame).
    func requestJSON(
        _ command: String, _ frames: [[UInt8]] = [], timeout: Duration = .seconds(5)
    ) throws -> JSONValue {
        // Connecting to an ipc socket takes a moment; IMMEDIATE refuses until it is up.
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                try send(command, frames)
                break
            } catch is ConnectionRefused {
                guard ContinuousClock.now < deadline else { throw ConnectionRefused(endpoint: endpoint) }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        guard let reply = try receive(timeout: ContinuousClock.now.duration(to: deadline)) else {
            throw ConnectionRefused(endpoint: endpoint)
        }
        guard let frame = reply.frames.last, let json = try? JSONParser.parse(frame) else {
            throw ConnectionRefused(endpoint: endpoint)
        }
        return json
    }

    struct ConnectionRefused: Error, CustomStringConvertible {
        let endpoint: String
        var description: String { "no answer on \(endpoint)" }
    }
}
