import CZeroMQ
import Foundation
import StrictJSON
import ZeroMQ

/// The Swift ZeroMQ layer against the same loops on libzmq's C API: 1 KB messages over tcp
/// loopback, round-trip latency (PAIR, one echo thread) and one-way throughput (PUSH → PULL).
public enum ZMQComparison {
    /// Both variants `runs` times (the best of each), as JSON with the Swift layer's cost.
    public static func run(roundTrips: Int, messages: Int, size: Int, runs: Int) throws -> JSONValue {
        var c: (rtt: Double, rate: Double) = (.infinity, 0)
        var swift: (rtt: Double, rate: Double) = (.infinity, 0)
        for _ in 0..<runs {
            c.rtt = min(c.rtt, try RawLoops.roundTrip(count: roundTrips, size: size))
            swift.rtt = min(swift.rtt, try SwiftLoops.roundTrip(count: roundTrips, size: size))
            c.rate = max(c.rate, try RawLoops.throughput(count: messages, size: size))
            swift.rate = max(swift.rate, try SwiftLoops.throughput(count: messages, size: size))
        }
        func round(_ value: Double) -> JSONValue { .number((value * 100).rounded() / 100) }
        return [
            "messageBytes": .integer(Int64(size)), "transport": "tcp loopback",
            "roundTripMicroseconds": [
                "cAPI": round(c.rtt), "swiftLayer": round(swift.rtt),
                "costPercent": round((swift.rtt / c.rtt - 1) * 100),
            ],
            "throughputMessagesPerSecond": [
                "cAPI": .integer(Int64(c.rate)), "swiftLayer": .integer(Int64(swift.rate)),
                "costPercent": round((c.rate / swift.rate - 1) * 100),
            ],
            "runs": .integer(Int64(runs)), "build": .string(NodeBenchmark.buildKind),
        ]
    }
}

/// The loops on the C API, called directly.
enum RawLoops {
    static func check(_ rc: Int32, _ what: String) throws {
        if rc < 0 { throw BenchError("\(what): \(String(cString: zmq_strerror(zmq_errno())))") }
    }

    /// Mean round-trip time in µs.
    static func roundTrip(count: Int, size: Int) throws -> Double {
        let context = zmq_ctx_new()!
        defer { zmq_ctx_term(context) }
        let server = zmq_socket(context, ZMQ_PAIR)!
        let client = zmq_socket(context, ZMQ_PAIR)!
        var zero: Int32 = 0
        zmq_setsockopt(server, ZMQ_LINGER, &zero, 4)
        zmq_setsockopt(client, ZMQ_LINGER, &zero, 4)
        try check(zmq_bind(server, "tcp://127.0.0.1:*"), "bind")
        var endpoint = [CChar](repeating: 0, count: 256)
        var length = 256
        zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, &endpoint, &length)
        try check(zmq_connect(client, endpoint), "connect")
        nonisolated(unsafe) let echoSocket = server
        let echo = Thread {
            var message = zmq_msg_t()
            for _ in 0..<count {
                zmq_msg_init(&message)
                zmq_msg_recv(&message, echoSocket, 0)
                zmq_msg_send(&message, echoSocket, 0)
            }
        }
        echo.start()
        var buffer = [UInt8](repeating: 7, count: size)
        let start = NodeBenchmark.nanos()
        for _ in 0..<count {
            zmq_send(client, buffer, size, 0)
            zmq_recv(client, &buffer, size, 0)
        }
        let elapsed = NodeBenchmark.nanos() - start
        while echo.isExecuting { Thread.sleep(forTimeInterval: 0.001) }
        zmq_close(client)
        zmq_close(server)
        return Double(elapsed) / Double(count) / 1_000
    }

    /// Messages per second, measured at the receiver.
    static func throughput(count: Int, size: Int) throws -> Double {
        let context = zmq_ctx_new()!
        defer { zmq_ctx_term(context) }
        let pull = zmq_socket(context, ZMQ_PULL)!
        let push = zmq_socket(context, ZMQ_PUSH)!
        var zero: Int32 = 0
        zmq_setsockopt(pull, ZMQ_LINGER, &zero, 4)
        zmq_setsockopt(push, ZMQ_LINGER, &zero, 4)
        try check(zmq_bind(pull, "tcp://127.0.0.1:*"), "bind")
        var endpoint = [CChar](repeating: 0, count: 256)
        var length = 256
        zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, &endpoint, &length)
        try check(zmq_connect(push, endpoint), "connect")
        nonisolated(unsafe) let sender = push
        let thread = Thread {
            let buffer = [UInt8](repeating: 7, count: size)
            for _ in 0...count { zmq_send(sender, buffer, size, 0) }
        }
        thread.start()
        var buffer = [UInt8](repeating: 0, count: size)
        zmq_recv(pull, &buffer, size, 0)
        let start = NodeBenchmark.nanos()
        for _ in 0..<count { zmq_recv(pull, &buffer, size, 0) }
        let elapsed = NodeBenchmark.nanos() - start
        while thread.isExecuting { Thread.sleep(forTimeInterval: 0.001) }
        zmq_close(push)
        zmq_close(pull)
        return Double(count) / (Double(elapsed) / 1e9)
    }
}

/// The same loops through the Swift layer (each thread makes and owns its socket).
enum SwiftLoops {
    static func roundTrip(count: Int, size: Int) throws -> Double {
        let context = ZMQContext()
        defer { context.terminate() }
        let client = try ZMQSocket(context, .pair, name: "client")
        try client.set(.linger(.zero))
        let endpoint = EndpointBox()
        let ready = DispatchSemaphore(value: 0)
        let echo = Thread {
            guard let server = try? ZMQSocket(context, .pair, name: "echo") else { return }
            // Closing right after the last echo must not drop it: linger until it is out.
            try? server.set(.linger(.seconds(10)))
            try? server.bind("tcp://127.0.0.1:*")
            endpoint.value = (try? server.lastEndpoint) ?? ""
            ready.signal()
            for _ in 0..<count {
                guard let message = try? server.receive() else { break }
                _ = try? server.send(message.frames)
            }
            server.close()
        }
        echo.start()
        ready.wait()
        try client.connect(endpoint.value)
        let payload = [UInt8](repeating: 7, count: size)
        let start = NodeBenchmark.nanos()
        for _ in 0..<count {
            try client.send(payload)
            _ = try client.receive()
        }
        let elapsed = NodeBenchmark.nanos() - start
        while echo.isExecuting { Thread.sleep(forTimeInterval: 0.001) }
        client.close()
        return Double(elapsed) / Double(count) / 1_000
    }

    static func throughput(count: Int, size: Int) throws -> Double {
        let context = ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context, .pull, name: "pull")
        try pull.set(.linger(.zero))
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint
        let sender = Thread {
            guard let push = try? ZMQSocket(context, .push, name: "push") else { return }
            // The sender closes as soon as everything is queued; what is queued must still go.
            try? push.set(.linger(.seconds(10)))
            try? push.connect(endpoint)
            let payload = [UInt8](repeating: 7, count: size)
            for _ in 0...count { _ = try? push.send(payload) }
            push.close()
        }
        sender.start()
        _ = try pull.receive()
        let start = NodeBenchmark.nanos()
        for _ in 0..<count { _ = try pull.receive() }
        let elapsed = NodeBenchmark.nanos() - start
        while sender.isExecuting { Thread.sleep(forTimeInterval: 0.001) }
        pull.close()
        return Double(count) / (Double(elapsed) / 1e9)
    }

    final class EndpointBox: @unchecked Sendable {
        var value = ""
    }
}
