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
    func fullLoad() throws -> JSONValue {
        let perClient = max(1, configuration.reports / clients.count)
        var ids: [ReportID] = []
        for client in clients {
            for number in 0..<perClient { enqueue(client, sitrepDocument(client.organisation, number)) }
            ids += client.queue[client.next...].map(\.id)
        }
        // Each window one signature, before the clock starts (as the reports were sealed
        // before the run when each had its own).
        sealQueued(batch: configuration.window)
        ackLatency.reset()
        let cpuBefore = nodeCPUSeconds()
        let commitsBefore = try NodeStatus.request(folder.nodeControlEndpoint).commits
        let seconds = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } },
            window: configuration.window,
            timeout: .seconds(3_600))
        let acks = ackLatency
        try waitDelivered(ids)
        // Over the phase including the delivery to the subscriber: that is the node's work too.
        let cpu = nodeCPUSeconds() - cpuBefore
        let commits = try NodeStatus.request(folder.nodeControlEndpoint).commits
        let batches = max(1, commits.batches - commitsBefore.batches)
        return [
            "reports": .integer(Int64(ids.count)), "seconds": .number((seconds * 1000).rounded() / 1000),
            "durableAcksPerSecond": .integer(Int64(Double(ids.count) / seconds)),
            "publishToAck": summary(acks), "publishToSubscriber": summary(deliveryLatency(ids)),
            "nodeCPUMicrosecondsPerReport": .number((cpu * 1e6 / Double(ids.count) * 10).rounded() / 10),
            "nodeCPUSeconds": .number((cpu * 100).rounded() / 100),
            "reportsPerGroupCommit": .number(
                (Double(commits.reports - commitsBefore.reports) / Double(batches) * 10).rounded() / 10),
        ]
    }

    /// The node process's user + system CPU time so far, in seconds (-1 when unknown).
    func nodeCPUSeconds() -> Double {
        guard let pid = processes.pid(of: PairRole.primary.rawValue),
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return -1 }
        // After the command name in parentheses: field 3 (state) onwards; utime and stime are
        // fields 14 and 15, in clock ticks.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            return -1
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func steady() throws -> JSONValue { try paced(from: clients, numbersFrom: 1_000_000) }

    /// `rate` reports per second for `steadySeconds`, one every 1/rate seconds from `senders`
    /// in turn (with `alongside` called on every turn of the loop); their latencies.
    func paced(
        from senders: [Client], numbersFrom base: Int, alongside: (() throws -> Void)? = nil
    ) throws -> JSONValue {
        let total = Int(Double(configuration.rate) * configuration.steadySeconds)
        var ids: [ReportID] = []
        for index in 0..<total {
            let client = senders[index % senders.count]
            enqueue(client, sitrepDocument(client.organisation, base + index))
            ids.append(client.queue.last!.id)
        }
        // Signed before the pace's clock starts: signing them inside the paced loop would hold
        // back the first reports and then release them in a burst, which the latencies would
        // count against the node.
        sealQueued(batch: 1)
        ackLatency.reset()
        let interval = UInt64(1e9 / Double(configuration.rate))
        let start = Self.nanos()
        var released = 0
        let seconds = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } },
            window: configuration.window,
            pace: { now in
                guard now >= start + UInt64(released) * interval else { return false }
                released += 1
                return true
            }, timeout: .seconds(3_600), alongside: alongside)
        let acks = ackLatency
        try waitDelivered(ids)
        return [
            "ratePerSecond": .integer(Int64(configuration.rate)), "reports": .integer(Int64(total)),
            "seconds": .number((seconds * 1000).rounded() / 1000), "publishToAck": summary(acks),
            "publishToSubscriber": summary(deliveryLatency(ids)),
            "publishToSubscriberSlowestBySecondMs": slowestBySecond(ids, from: start),
        ]
    }

    func snapshot() throws -> JSONValue {
        for index in 0..<configuration.incidents {
            let client = clients[index % clients.count]
            enqueue(
                client,
                incidentDocument(client.organisation, IncidentID("\(client.organisation)-SNAP-\(index)")!))
        }
        sealQueued(batch: configuration.window)
        _ = try pump(
            until: { self.clients.allSatisfy { $0.next == $0.queue.count && $0.inFlight == 0 } },
            window: configuration.window, timeout: .seconds(3_600))
        // Late joiners (NCTV, applied 0), one after the other: time from HELLO to the end of
        // each one's snapshot. Several, because one figure on a shared machine says little.
        var times: [Double] = []
        var entries = 0
        var bytes = 0
        var mode = "snapshot"
        for _ in 0..<Self.snapshotJoiners {
            let joined = try joinLate()
            times.append(joined.milliseconds)
            entries = joined.entries
            bytes = joined.bytes
            if joined.mode != "snapshot" { mode = joined.mode }
        }
        let sorted = times.sorted()
        func rounded(_ value: Double) -> JSONValue { .number((value * 10).rounded() / 10) }
        return [
            "incidents": .integer(Int64(configuration.incidents)), "entries": .integer(Int64(entries)),
            "megabytes": .number((Double(bytes) / 100_000).rounded() / 10), "mode": .string(mode),
            "joiners": .integer(Int64(times.count)),
            "milliseconds": rounded(sorted[sorted.count / 2]), "min": rounded(sorted[0]),
            "max": rounded(sorted[sorted.count - 1]),
        ]
    }

    /// Late joiners in the snapshot phase; the phase reports their median.
    static let snapshotJoiners = 5

    /// One late joiner: HELLO with nothing applied, then read until SNAPEND. `bytes`: what
    /// the messages held before CURVE (the snapshot's size on the wire, less encryption).
    func joinLate() throws -> (milliseconds: Double, entries: Int, bytes: Int, mode: String) {
        let (joiner, _) = try curveSocket(.nctv)
        defer { joiner.close() }
        var poller = Poller()
        poller.add(.socket(joiner))
        // Let the CURVE handshake finish before the clock starts.
        Thread.sleep(forTimeInterval: 0.3)
        let start = Self.nanos()
        // As a daemon does: it reads several entries per message (ENTRIES), with shared proofs.
        try joiner.sendPacked(
            MessageCodec.encode(
                .hello(applied: 0, epoch: 1, role: .watch, accepts: [.batches, .sharedProofs])))
        var entries = 0
        var bytes = 0
        var mode = "snapshot"
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            _ = try poller.poll(timeout: .milliseconds(100))
            var finished = false
            while let message = try joiner.receive(dontWait: true) {
                bytes += message.frames.reduce(0) { $0 + $1.count }
                guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1),
                    parts.count > 1
                else { continue }
                switch String(decoding: parts[1], as: UTF8.self) {
                case "ENTRY": entries += 1
                case "ENTRIES": entries += parts.count - 2
                case "UPDATE": mode = "catch-up"
                case "SNAPEND": finished = true
                default: break
                }
            }
            if finished { break }
        }
        return (Double(Self.nanos() - start) / 1e6, entries, bytes, mode)
    }

    /// Sealed reports the flooding region sends over and over; the node admits its rate's worth
    /// (verifying and deduplicating each) and refuses the rest with E500 rateLimited.
    static let floodPool = 2_000
    /// Most messages the flooding region sends per turn of the loop (it keeps to `floodRate`).
    static let floodBurst = 1_000

    /// The steady phase again while one region floods the node at `floodRate` messages per
    /// second: the other regions' latencies next to the steady phase's show what the flood
    /// costs them; the flooder's answers by kind show the limits at work. Direct mode only (a
    /// daemon's outbox never floods). The flooder runs on the same cores as the node here, so
    /// part of what it costs the others is CPU a remote flooder would not take.
    func flood() throws -> JSONValue {
        guard !configuration.throughDaemons, clients.count > 1 else { return .null }
        let flooder = clients[0]
        let (socket, _) = try curveSocket(flooder.organisation)
        defer { socket.close() }
        let pool = (0..<Self.floodPool).map { number in
            submit(
                sitrepDocument(flooder.organisation, 2_000_000 + number), id: .random(using: &random),
                from: flooder)
        }
        let others = Array(clients.dropFirst())
        var sent = 0
        var answers: [String: Int] = [:]
        let messageCodec = MessageCodec()
        var floodStart: UInt64 = 0
        func floodTurn() throws {
            if floodStart == 0 { floodStart = Self.nanos() }
            let due = Int(Double(Self.nanos() - floodStart) / 1e9 * Double(configuration.floodRate))
            for _ in 0..<min(Self.floodBurst, max(0, due - sent)) {
                guard try socket.sendPacked(pool[sent % pool.count], dontWait: true) else { break }
                sent += 1
            }
            while let message = try socket.receive(dontWait: true) {
                let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1) ?? []
                switch try? messageCodec.decodeServer(parts) {
                case .ack?: answers["ack", default: 0] += 1
                case .error(_, let code, _, _)?: answers["E\(code.rawValue) \(code)", default: 0] += 1
                default: answers["other", default: 0] += 1
                }
            }
        }
        // Let the flooder's CURVE handshake finish before the clock starts.
        Thread.sleep(forTimeInterval: 0.3)
        let phase = try paced(from: others, numbersFrom: 3_000_000, alongside: floodTurn)
        var othersResult = phase.objectValue ?? [:]
        othersResult["regions"] = .integer(Int64(others.count))
        return [
            "flooder": .string(flooder.organisation.rawValue),
            "floodRatePerSecond": .integer(Int64(configuration.floodRate)),
            "floodMessagesSent": .integer(Int64(sent)),
            "floodMessagesPerSecond": .integer(Int64(Double(sent) / (phase["seconds"]?.doubleValue ?? 1))),
            "floodAnswers": .object(answers.mapValues { .integer(Int64($0)) }),
            "others": .object(othersResult),
        ]
    }

    func nodeRSSMegabytes() -> Double {
        guard let pid = processes.pid(of: PairRole.primary.rawValue),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return (kilobytes / 1024 * 10).rounded() / 10
    }
}
