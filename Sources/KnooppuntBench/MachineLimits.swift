import Foundation
import StrictJSON
import ZeroMQ

/// What this machine allows at best, measured in the same run as the node so that each of the
/// node's figures stands next to its limit: the disk's durable write rate, and CURVE messages
/// over loopback with nothing behind them.
public enum MachineLimits {
    /// Size of one record, as a report on the wire is about.
    static let recordBytes = 1_024
    /// Records per group commit in the grouped disk measurement: the node's window.
    static let groupRecords = 64
    /// How long each disk measurement runs.
    static let diskSeconds = 2.0
    /// Round trips (window 1) and messages (window 64) of the CURVE measurement.
    static let curveRoundTrips = 5_000
    static let curveMessages = 50_000
    static let curveWindow = 64
    /// Longest wait for one echo before the measurement gives up (either end).
    static let stall: Duration = .seconds(10)
    /// How long the ROUTER's last echoes may take to leave after it is closed.
    static let echoLinger: Duration = .seconds(2)

    /// Both limits, as JSON. `folder` is where the node keeps its store: the same disk.
    public static func measure(in folder: URL) throws -> JSONValue {
        let single = try diskWrites(in: folder, perSync: 1)
        let grouped = try diskWrites(in: folder, perSync: groupRecords)
        let curve = try curveDealerRouter()
        func round(_ value: Double) -> JSONValue { .number((value * 10).rounded() / 10) }
        return [
            "disk": [
                "recordBytes": .integer(Int64(recordBytes)),
                "writeFdatasyncPerSecond": .integer(Int64(single.recordsPerSecond)),
                "writeFdatasyncMicroseconds": round(single.microsecondsPerSync),
                "groupedRecords": .integer(Int64(groupRecords)),
                "groupedRecordsPerSecond": .integer(Int64(grouped.recordsPerSecond)),
            ],
            "curve": [
                "transport": "DEALER → ROUTER echo, CURVE, tcp loopback, no ZAP",
                "messageBytes": .integer(Int64(recordBytes)),
                "roundTripsPerSecondWindow1": .integer(Int64(curve.roundTripsPerSecond)),
                "roundTripMicroseconds": round(1e6 / curve.roundTripsPerSecond),
                "messagesPerSecondWindow64": .integer(Int64(curve.messagesPerSecond)),
            ],
        ]
    }

    /// Appends `recordBytes` records to a scratch file, `fdatasync` after every `perSync`.
    static func diskWrites(
        in folder: URL, perSync: Int, seconds limit: Double = diskSeconds
    ) throws -> (
        recordsPerSecond: Double, microsecondsPerSync: Double
    ) {
        let path = folder.appendingPathComponent("limits-\(getpid()).scratch").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw BenchError("disk limit: cannot create \(path): errno \(errno)") }
        defer {
            close(fd)
            unlink(path)
        }
        let record = [UInt8](repeating: 0x4B, count: recordBytes)
        var records = 0
        var syncs = 0
        let start = NodeBenchmark.nanos()
        let end = start + UInt64(limit * 1e9)
        var now = start
        while now < end {
            for _ in 0..<perSync {
                let written = record.withUnsafeBytes { write(fd, $0.baseAddress, recordBytes) }
                guard written == recordBytes else {
                    throw BenchError("disk limit: write failed: errno \(errno)")
                }
            }
            guard fdatasync(fd) == 0 else { throw BenchError("disk limit: fdatasync failed: errno \(errno)") }
            records += perSync
            syncs += 1
            now = NodeBenchmark.nanos()
        }
        let seconds = Double(now - start) / 1e9
        return (Double(records) / seconds, seconds * 1e6 / Double(syncs))
    }

    /// A DEALER sends 1 KB messages to a ROUTER on its own thread that echoes each one; both
    /// ends CURVE, as a party and the node. Window 1 gives round trips per second, a window of
    /// 64 the message rate with the pipe kept full.
    static func curveDealerRouter(
        roundTrips curveRoundTrips: Int = curveRoundTrips, messages curveMessages: Int = curveMessages
    ) throws -> (roundTripsPerSecond: Double, messagesPerSecond: Double) {
        let context = ZMQContext()
        defer { context.terminate() }
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        let router = try ZMQSocket(context, .router, name: "limits.router")
        try router.set([
            // The echo thread closes the ROUTER right after its last send: a linger lets the last
            // echoes still reach the DEALER.
            .linger(echoLinger), .curveServer(true), .curveSecretKey(server.secretKey),
            .sendHighWaterMark(100_000), .receiveHighWaterMark(100_000), .receiveTimeout(stall),
        ])
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let total = curveRoundTrips + curveMessages
        let echo = EchoThread(socket: router, messages: total)
        let dealer = try ZMQSocket(context, .dealer, name: "limits.dealer")
        defer { dealer.close() }
        try dealer.set([
            .linger(.zero), .curvePublicKey(client.publicKey), .curveSecretKey(client.secretKey),
            .curveServerKey(server.publicKey), .sendHighWaterMark(100_000), .receiveHighWaterMark(100_000),
            .receiveTimeout(stall),
        ])
        try dealer.connect(endpoint)
        echo.start()
        defer { echo.join() }
        let payload = [UInt8](repeating: 0x4B, count: recordBytes)
        func answer() throws {
            guard try dealer.receive() != nil else {
                throw BenchError("CURVE limit: no echo within \(stall)")
            }
        }
        // The first round trip waits for the CURVE handshake; it is not measured.
        try dealer.send(payload)
        try answer()
        let roundTrips = curveRoundTrips - 1
        var start = NodeBenchmark.nanos()
        for _ in 0..<roundTrips {
            try dealer.send(payload)
            try answer()
        }
        let roundTripSeconds = Double(NodeBenchmark.nanos() - start) / 1e9
        start = NodeBenchmark.nanos()
        var sent = 0
        var received = 0
        while received < curveMessages {
            while sent < curveMessages, sent - received < curveWindow {
                try dealer.send(payload)
                sent += 1
            }
            try answer()
            received += 1
        }
        let messageSeconds = Double(NodeBenchmark.nanos() - start) / 1e9
        return (Double(roundTrips) / roundTripSeconds, Double(curveMessages) / messageSeconds)
    }

    /// The ROUTER's side: echoes `messages` messages, then closes its socket. The socket is
    /// used only on this thread once it starts.
    final class EchoThread: @unchecked Sendable {
        let socket: ZMQSocket
        let messages: Int
        let done = DispatchSemaphore(value: 0)

        init(socket: ZMQSocket, messages: Int) {
            self.socket = socket
            self.messages = messages
        }

        func start() {
            let thread = Thread { [self] in
                socket.adoptOwnership()
                defer {
                    socket.close()
                    done.signal()
                }
                for _ in 0..<messages {
                    guard let message = try? socket.receive() else { return }
                    _ = try? socket.send(message.frames)
                }
            }
            thread.start()
        }

        func join() { done.wait() }
    }
}
