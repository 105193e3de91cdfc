import Foundation
import Histogram
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import StrictJSON
import Synchronization

/// What the node's STATUS and /proc said during the phase.
struct NodeSamples: Sendable {
    var count = 0
    var rssMaxMegabytes = 0.0
    var subscribedMax: Int64?
    var catchingUpMax: Int64 = 0
    var mostBehindMax: Int64 = 0
    var queueFullAtEnd: Int64 = 0
    var statusMaxMilliseconds = 0.0
    /// The node's STATUS has no `stream` (an older node).
    var streamMissing = false
}

/// Samples the node on a thread of its own, so that a slow STATUS never holds up publishing.
final class NodeSampler: Sendable {
    let endpoint: String
    let pid: Int32
    let interval: Duration
    private let state = Mutex<(samples: NodeSamples, stopping: Bool)>((NodeSamples(), false))
    private let finished = DispatchSemaphore(value: 0)

    init(endpoint: String, pid: Int32, interval: Duration) {
        self.endpoint = endpoint
        self.pid = pid
        self.interval = interval
    }

    func start() {
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !state.withLock({ $0.stopping }) {
                sample()
                Thread.sleep(forTimeInterval: Double(interval.components.seconds))
            }
        }
        thread.start()
    }

    func stop() -> NodeSamples {
        state.withLock { $0.stopping = true }
        finished.wait()
        return state.withLock { $0.samples }
    }

    private func sample() {
        let started = NodeBenchmark.nanos()
        let status = NodeStatus.ask(endpoint, timeout: .seconds(2))
        let took = Double(NodeBenchmark.nanos() - started) / 1e6
        let rss = Self.rssMegabytes(pid)
        state.withLock { state in
            state.samples.count += 1
            state.samples.rssMaxMegabytes = max(state.samples.rssMaxMegabytes, rss)
            state.samples.statusMaxMilliseconds = max(state.samples.statusMaxMilliseconds, took)
            guard let status else { return }
            guard let stream = status.stream else {
                state.samples.streamMissing = true
                return
            }
            state.samples.subscribedMax = max(state.samples.subscribedMax ?? 0, stream.subscribed)
            state.samples.catchingUpMax = max(state.samples.catchingUpMax, stream.catchingUp)
            state.samples.mostBehindMax = max(state.samples.mostBehindMax, stream.mostBehind)
            state.samples.queueFullAtEnd = stream.queueFull
        }
    }

    /// The process's user + system CPU time so far, in seconds (-1 when unknown).
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return -1 }
        // After the command name in parentheses: utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            return -1
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func rssMegabytes(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return (kilobytes / 1024 * 10).rounded() / 10
    }
}

extension PartiesBenchmark {
    /// What the parties' processes wrote, merged: per sequence the last receipt of all, and
    /// every delivery's latency.
    struct Merged {
        var last:
            [UInt64: (
                stamp: UInt64, last: UInt64, count: Int, groupLast: UInt64, groupCount: Int, forGroup: Bool
            )] =
                [:]
        var deliveries = Histogram<UInt64>(
            highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var live = 0
        var ended = 0
        var relayConnections = 0
        /// User + system CPU of the parties' processes (they share the node's cores).
        var cpuSeconds = 0.0
    }

    func collect(_ groups: [PartyProcess]) throws -> Merged {
        var merged = Merged()
        for group in groups {
            guard let data = FileManager.default.contents(atPath: group.output.path),
                let json = try? JSONParser.parse([UInt8](data))
            else {
                throw BenchError("\(group.name) wrote no result (log: \(folder.root.path)/\(group.name).log)")
            }
            merged.live += Int(json["live"]?.integerValue ?? 0)
            merged.ended += Int(json["ended"]?.integerValue ?? 0)
            merged.relayConnections += Int(json["relayConnections"]?.integerValue ?? 0)
            merged.cpuSeconds += json["cpuSeconds"]?.doubleValue ?? 0
            for row in json["sequences"]?.arrayValue ?? [] {
                let values = (row.arrayValue ?? []).map { UInt64(clamping: $0.integerValue ?? 0) }
                guard values.count == 7 else { continue }
                var entry = merged.last[values[0]] ?? (values[1], 0, 0, 0, 0, values[6] == 1)
                entry.last = max(entry.last, values[2])
                entry.count += Int(values[3])
                entry.groupLast = max(entry.groupLast, values[4])
                entry.groupCount += Int(values[5])
                merged.last[values[0]] = entry
            }
            for pair in json["deliveries"]?.arrayValue ?? [] {
                guard let items = pair.arrayValue, items.count == 2, let value = items[0].integerValue,
                    let count = items[1].integerValue
                else { continue }
                merged.deliveries.record(UInt64(clamping: value), count: UInt64(clamping: count))
            }
        }
        return merged
    }

    func figures(phase: Phase, results: Merged) throws -> [String: JSONValue] {
        let parties = configuration.parties
        var everyParty = Histogram<UInt64>(
            highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var everyMember = everyParty
        var incomplete = 0
        var groupReports = 0
        var groupSectionDeliveries = 0
        var received = 0
        for sequence in phase.sequences {
            guard let entry = results.last[sequence] else {
                incomplete += 1
                continue
            }
            received += entry.count
            if entry.count == parties {
                everyParty.record(max(1, (entry.last >= entry.stamp ? entry.last - entry.stamp : 0) / 1_000))
            } else {
                incomplete += 1
            }
            if entry.forGroup {
                groupReports += 1
                groupSectionDeliveries += entry.groupCount
                if entry.groupCount == groupMembers.count {
                    everyMember.record(max(1, (entry.groupLast - entry.stamp) / 1_000))
                }
            }
        }
        let samples = self.samples
        var stream: JSONValue = .null
        if !samples.streamMissing, let subscribed = samples.subscribedMax {
            stream = [
                "subscribedMax": .integer(subscribed), "catchingUpMax": .integer(samples.catchingUpMax),
                "mostBehindMax": .integer(samples.mostBehindMax),
                "queueFullSinceStart": .integer(samples.queueFullAtEnd),
            ]
        }
        return [
            "publishToEveryParty": summary(everyParty),
            "perDelivery": summary(results.deliveries),
            "groupReportsToEveryMember": summary(everyMember),
            "publishToAck": summary(ackLatency),
            "deliveries": [
                "reports": .integer(Int64(phase.reports)),
                "seconds": .number((phase.seconds * 1000).rounded() / 1000),
                "expected": .integer(Int64(phase.reports * parties)), "received": .integer(Int64(received)),
                "reportsNotAtEveryParty": .integer(Int64(incomplete)),
                "partiesLive": .integer(Int64(results.live)),
                "partiesThatSawTheEnd": .integer(Int64(results.ended)),
                "groupReports": .integer(Int64(groupReports)),
                "groupSectionDeliveries": .integer(Int64(groupSectionDeliveries)),
                "groupSectionDeliveriesExpected": .integer(Int64(groupReports * groupMembers.count)),
                "relayConnections": .integer(Int64(results.relayConnections)),
            ],
            "partiesProcessesCPUSeconds": .number((results.cpuSeconds * 100).rounded() / 100),
            "node": [
                "cpuSeconds": .number((phase.cpuSeconds * 100).rounded() / 100),
                "cpuPercentOfOneCore": .number((phase.cpuSeconds / phase.wallSeconds * 1000).rounded() / 10),
                "rssMegabytes": [
                    "beforePhase": .number(phase.rssBefore),
                    "maxDuringPhase": .number(samples.rssMaxMegabytes),
                    "afterPhase": .number(phase.rssAfter),
                ],
                "stream": stream,
                "statusSamples": .integer(Int64(samples.count)),
                "statusAnswerMaxMs": .number((samples.statusMaxMilliseconds * 10).rounded() / 10),
            ],
        ]
    }

    func summary(_ histogram: Histogram<UInt64>) -> JSONValue {
        func ms(_ micros: UInt64) -> JSONValue { .number((Double(micros) / 1000 * 1000).rounded() / 1000) }
        guard histogram.totalCount > 0 else { return ["count": 0] }
        return [
            "count": .integer(Int64(histogram.totalCount)), "p50Ms": ms(histogram.valueAtPercentile(50)),
            "p99Ms": ms(histogram.valueAtPercentile(99)), "maxMs": ms(histogram.max),
        ]
    }
}
