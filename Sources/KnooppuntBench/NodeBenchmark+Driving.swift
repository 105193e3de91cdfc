import Foundation
import Histogram
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import ZeroMQ

extension NodeBenchmark {
    /// Sends within the window and reads answers until `done`; returns the elapsed seconds.
    /// Every report it sends must be signed first (``sealQueued(batch:)``).
    func pump(
        until done: () -> Bool, window: Int, pace: ((UInt64) -> Bool)? = nil, timeout: Duration,
        alongside: (() throws -> Void)? = nil
    ) throws -> Double {
        let messageCodec = MessageCodec()
        var poller = Poller()
        for client in clients { poller.add(.socket(client.socket)) }
        poller.add(.socket(subscriber))
        let start = Self.nanos()
        let deadline = ContinuousClock.now + timeout
        while !done() {
            guard ContinuousClock.now < deadline else {
                let inFlight = clients.map(\.inFlight).reduce(0, +)
                let unsent = clients.map { $0.queue.count - $0.next }.reduce(0, +)
                throw BenchError(
                    "benchmark phase timed out (\(inFlight) un-ACKed, \(unsent) unsent, \(deliveredAt.count) delivered)"
                )
            }
            for client in clients {
                while client.inFlight < window, client.next < client.queue.count, pace?(Self.nanos()) ?? true
                {
                    let report = client.queue[client.next]
                    sentAt[report.id] = Self.nanos()
                    try client.socket.sendPacked(report.message)
                    client.next += 1
                    client.inFlight += 1
                }
            }
            try alongside?()
            let ready = try poller.poll(timeout: .milliseconds(1))
            for (index, client) in clients.enumerated() where ready[index].contains(.readable) {
                while let message = try client.socket.receive(dontWait: true) {
                    let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                    if configuration.throughDaemons {
                        try answered(client, operatorReply: parts)
                        continue
                    }
                    guard case .ack(let ack)? = try? messageCodec.decodeServer(parts) else {
                        if case .error(_, let code, let text, _)? = try? messageCodec.decodeServer(parts) {
                            throw BenchError(
                                "the node refused a benchmark report: E\(code.rawValue) \(text)")
                        }
                        continue
                    }
                    let now = Self.nanos()
                    if let sent = sentAt[ack.reportID] {
                        ackLatency.record(max(1, (now - sent) / 1_000))
                    }
                    sequenceOf[ack.reportID] = ack.sequence
                    client.inFlight -= 1
                }
            }
            if ready[clients.count].contains(.readable) {
                while let message = try subscriber.receive(dontWait: true) {
                    // Only the sequence is read here: decoding every update would measure us, not the node.
                    let frames = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                    guard frames.count > 3, frames[1] == Array("UPDATE".utf8),
                        let sequence = UInt64(String(decoding: frames[2], as: UTF8.self))
                    else { continue }
                    deliveredAt[sequence] = Self.nanos()
                }
            }
        }
        return Double(Self.nanos() - start) / 1e9
    }

    /// A daemon's answer to a PUBLISH: QUEUED (stored), later ACCEPTED (the node's ACK).
    func answered(_ client: Client, operatorReply parts: [[UInt8]]) throws {
        switch OperatorResponse.decode(parts) {
        case .accepted(let id, _, let sequence, _):
            if let sent = sentAt[id] { ackLatency.record(max(1, (Self.nanos() - sent) / 1_000)) }
            sequenceOf[id] = sequence
            client.inFlight -= 1
        case .rejected, .error:
            throw BenchError(
                "\(client.organisation)'s daemon refused a benchmark report: \(parts.dropFirst().map { String(decoding: $0, as: UTF8.self) })"
            )
        default:
            break
        }
    }

    /// When each of these reports was sent and its publish→subscriber latency (µs), for those
    /// the subscriber received.
    func deliveries(_ ids: [ReportID]) -> [(sent: UInt64, micros: UInt64)] {
        ids.compactMap { id in
            guard let sent = sentAt[id], let sequence = sequenceOf[id], let delivered = deliveredAt[sequence]
            else { return nil }
            return (sent, (delivered >= sent ? delivered - sent : 0) / 1_000)
        }
    }

    /// Publish→subscriber latencies (µs) of these report ids.
    func deliveryLatency(_ ids: [ReportID]) -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(
            highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        for delivery in deliveries(ids) { histogram.record(max(1, delivery.micros)) }
        return histogram
    }

    /// The slowest publish→subscriber latency (ms) of the reports sent in each second after
    /// `start`, in order: whether a phase's tail is a few stalls or spread over every second.
    func slowestBySecond(_ ids: [ReportID], from start: UInt64) -> JSONValue {
        var slowest: [UInt64] = []
        for delivery in deliveries(ids) where delivery.sent >= start {
            let second = Int((delivery.sent - start) / 1_000_000_000)
            while slowest.count <= second { slowest.append(0) }
            slowest[second] = max(slowest[second], delivery.micros)
        }
        return .array(slowest.map { .number((Double($0) / 1000 * 10).rounded() / 10) })
    }

    func summary(_ histogram: Histogram<UInt64>) -> JSONValue {
        func ms(_ micros: UInt64) -> JSONValue { .number((Double(micros) / 1000 * 1000).rounded() / 1000) }
        return [
            "count": .integer(Int64(histogram.totalCount)), "p50Ms": ms(histogram.valueAtPercentile(50)),
            "p99Ms": ms(histogram.valueAtPercentile(99)), "maxMs": ms(histogram.max),
        ]
    }

    func waitDelivered(_ ids: [ReportID]) throws {
        _ = try pump(
            until: {
                ids.allSatisfy { id in self.sequenceOf[id].map { self.deliveredAt[$0] != nil } ?? false }
            }, window: 0,
            timeout: .seconds(60))
    }
}
