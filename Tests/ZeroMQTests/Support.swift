import Foundation
import Logging
import ZeroMQ

/// Receives one message, waiting at most `timeout` (nil when nothing came).
func receive(_ socket: ZMQSocket, timeout: Duration = .seconds(5)) throws -> Message? {
    var poller = Poller()
    poller.add(.socket(socket))
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let ready = try poller.poll(timeout: ContinuousClock.now.duration(to: deadline))
        if ready[0].contains(.readable) { return try socket.receive(dontWait: true) }
    }
    return nil
}

let testLogger = Logger(label: "zeromq.tests")

func frames(_ strings: String...) -> [[UInt8]] { strings.map { Array($0.utf8) } }

func text(_ frames: [[UInt8]]) -> [String] { frames.map { String(decoding: $0, as: UTF8.self) } }
