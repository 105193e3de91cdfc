import Foundation
import Histogram
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// One process of the parties benchmark: a bounded number of parties, each its own
/// organisation with its own CURVE key and so its own view, each a direct KNP/1 subscriber
/// (DEALER, HELLO, then the stream), all on one poll loop on this thread.
///
/// A party does not decode what it receives (that would measure this process, not the
/// node): it reads the sequence of each UPDATE and looks for the benchmark's markers in the
/// report's text, which the node sends as written to every view that may read it. The
/// publisher's stamp is CLOCK_MONOTONIC, which every process on this machine shares; the
/// latency of a delivery is the receive stamp here minus that stamp.
public final class PartiesFollower {
    /// Most parties one process runs (one poll loop over all their sockets).
    public static let maximumParties = 250
    /// How often the loop wakes when nothing arrives (to look at the deadline).
    static let pollWait: Duration = .milliseconds(100)

    /// What a process of the benchmark is told by the one that starts it.
    public struct Options: Sendable {
        public var folder: DataFolder
        public var parties: [OrganisationCode]
        /// The global number of the first party: each party's link delay follows from it.
        public var firstIndex: Int
        /// Round trip of each party's link in ms (nil: straight to the node).
        public var delay: ClosedRange<Int>?
        /// Written when every party has its snapshot and is live.
        public var ready: URL
        /// The result (JSON), written at the end.
        public var output: URL
        /// The process writes what it has and ends after this long.
        public var deadline: Duration

        public init(
            folder: DataFolder, parties: [OrganisationCode], firstIndex: Int, delay: ClosedRange<Int>?,
            ready: URL, output: URL, deadline: Duration
        ) {
            self.folder = folder
            self.parties = parties
            self.firstIndex = firstIndex
            self.delay = delay
            self.ready = ready
            self.output = output
            self.deadline = deadline
        }
    }

    final class Party {
        let code: OrganisationCode
        let socket: ZMQSocket
        /// It has everything the node had committed when it said WELCOME.
        var live = false
        var ended = false
        /// WELCOME's last sequence: the party is live once it has that one.
        var caughtUpAt: UInt64?

        init(code: OrganisationCode, socket: ZMQSocket) {
            self.code = code
            self.socket = socket
        }
    }

    /// What the parties of this process saw of one sequence.
    struct Seen {
        var stamp: UInt64
        var last: UInt64 = 0
        var count = 0
        /// Deliveries whose view could read the group's section, and the last of them.
        var groupLast: UInt64 = 0
        var groupCount = 0
        /// The report carries a section for a group.
        var forGroup = false
    }

    let options: Options
    let context = ZMQContext()
    var parties: [Party] = []
    var seen: [UInt64: Seen] = [:]
    var deliveries = Histogram<UInt64>(
        highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    var relay: DelayRelay?

    public init(options: Options) {
        precondition(
            options.parties.count <= Self.maximumParties, "at most \(Self.maximumParties) parties per process"
        )
        self.options = options
    }

    /// The round trip of party number `index` in ms: spread evenly over `range`.
    public static func roundTrip(ofParty index: Int, in range: ClosedRange<Int>) -> Int {
        range.lowerBound + (index * 7_919) % (range.count)
    }

    /// Connects every party, follows the stream until every party saw the end marker (or the
    /// deadline), and writes the result.
    public func run() throws {
        defer {
            for party in parties { party.socket.close() }
            relay?.stop()
            context.terminate()
        }
        try connect()
        let deadline = ContinuousClock.now + options.deadline
        var poller = Poller()
        for party in parties { poller.add(.socket(party.socket)) }
        var announcedReady = false
        while ContinuousClock.now < deadline, !parties.allSatisfy(\.ended) {
            let ready = try poller.poll(timeout: Self.pollWait)
            for (index, party) in parties.enumerated() where ready[index].contains(.readable) {
                while let message = try party.socket.receive(dontWait: true) {
                    received(message, by: party)
                }
            }
            if !announcedReady, parties.allSatisfy(\.live) {
                announcedReady = true
                try Data("ready\n".utf8).write(to: options.ready)
            }
        }
        let text = JSONWriter.canonical(result())
        try Data(text).write(to: options.output, options: .atomic)
    }

    private func connect() throws {
        let network = try NetworkConfig.load(from: options.folder.networkFile)
        var endpoints = Array(repeating: network.nodeEndpoint, count: options.parties.count)
        if let delay = options.delay {
            guard let port = network.nodeEndpoint.split(separator: ":").last.flatMap({ UInt16($0) }) else {
                throw BenchError("the node's endpoint \(network.nodeEndpoint) names no port")
            }
            let relay = try DelayRelay(targetPort: port)
            for index in options.parties.indices {
                let roundTrip = Self.roundTrip(ofParty: options.firstIndex + index, in: delay)
                let local = try relay.addRoute(oneWay: .microseconds(roundTrip * 500))
                endpoints[index] = "tcp://127.0.0.1:\(local)"
            }
            relay.start()
            self.relay = relay
        }
        for (index, code) in options.parties.enumerated() {
            let secrets = try OrganisationSecrets.load(from: options.folder.keyFile(code))
            let socket = try ZMQSocket(context, .dealer, name: "party.\(code)")
            try socket.set([
                .linger(.zero), .maxMessageSize(WireLimits.maxMessageBytes), .receiveHighWaterMark(1_000_000),
                .curvePublicKey(secrets.curve.publicKey), .curveSecretKey(secrets.curve.secretKey),
                .curveServerKey(network.nodeCurvePublicKey),
            ])
            try socket.connect(endpoints[index])
            // HELLO is queued until the connection is up; nothing applied: a snapshot first.
            try socket.sendPacked(MessageCodec.encode(.hello(applied: 0, epoch: 1, role: .watch)))
            parties.append(Party(code: code, socket: socket))
        }
    }

    private func received(_ message: Message, by party: Party) {
        let now = NodeBenchmark.nanos()
        guard let parts = message.unpacked(routed: false, maxParts: WireLimits.maxFrames + 1), parts.count > 2
        else { return }
        switch parts[1] {
        case PartiesMarkers.welcome:
            guard parts.count > 3, let last = UInt64(String(decoding: parts[3], as: UTF8.self)) else {
                return
            }
            party.caughtUpAt = last
            if last == 0 { party.live = true }
        case PartiesMarkers.snapEnd:
            party.live = true
        case PartiesMarkers.update:
            guard let sequence = UInt64(String(decoding: parts[2], as: UTF8.self)) else { return }
            if let target = party.caughtUpAt, sequence >= target { party.live = true }
            let body = parts.dropFirst(3)
            guard let stamp = PartiesMarkers.stamp(in: body) else {
                if PartiesMarkers.contains(PartiesMarkers.end, in: body) { party.ended = true }
                return
            }
            var entry = seen[sequence] ?? Seen(stamp: stamp)
            entry.count += 1
            entry.last = max(entry.last, now)
            entry.forGroup = PartiesMarkers.contains(PartiesMarkers.forGroup, in: body)
            if PartiesMarkers.contains(PartiesMarkers.groupSection, in: body) {
                entry.groupCount += 1
                entry.groupLast = max(entry.groupLast, now)
            }
            seen[sequence] = entry
            deliveries.record(max(1, (now >= stamp ? now - stamp : 0) / 1_000))
        default:
            break
        }
    }

    private func result() -> JSONValue {
        let sequences: [JSONValue] = seen.keys.sorted().map { sequence in
            let entry = seen[sequence]!
            return .array(
                [
                    sequence, entry.stamp, entry.last, UInt64(entry.count), entry.groupLast,
                    UInt64(entry.groupCount), entry.forGroup ? 1 : 0,
                ].map { .integer(Int64(clamping: $0)) })
        }
        let histogram: [JSONValue] = deliveries.recordedValues().map {
            .array([.integer(Int64(clamping: $0.value)), .integer(Int64(clamping: $0.count))])
        }
        let cpu = NodeSampler.cpuSeconds(getpid())
        return [
            "parties": .integer(Int64(parties.count)), "cpuSeconds": .number(cpu),
            "live": .integer(Int64(parties.filter(\.live).count)),
            "ended": .integer(Int64(parties.filter(\.ended).count)),
            "relayConnections": .integer(Int64(relay?.accepted ?? 0)),
            "sequences": .array(sequences), "deliveries": .array(histogram),
        ]
    }
}

/// The words the benchmark writes into its reports and the frames it recognises, so that a
/// party can tell what it received without decoding the report.
enum PartiesMarkers {
    static let update = Array("UPDATE".utf8)
    static let snapEnd = Array("SNAPEND".utf8)
    static let welcome = Array("WELCOME".utf8)
    /// Followed by the publisher's CLOCK_MONOTONIC stamp in ns and a semicolon.
    static let stamp = Array("bench-stamp=".utf8)
    /// In the text every party reads: the report also has a section for a group.
    static let forGroup = Array("bench-for-group".utf8)
    /// In the section only the group may read.
    static let groupSection = Array("bench-group-section".utf8)
    /// The last report of a run.
    static let end = Array("bench-end".utf8)

    static func contains(_ marker: [UInt8], in parts: ArraySlice<[UInt8]>) -> Bool {
        parts.contains { range(of: marker, in: $0) != nil }
    }

    static func stamp(in parts: ArraySlice<[UInt8]>) -> UInt64? {
        for part in parts {
            guard var index = range(of: stamp, in: part)?.upperBound else { continue }
            var value: UInt64 = 0
            var digits = 0
            while index < part.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(part[index]) {
                value = value &* 10 &+ UInt64(part[index] - UInt8(ascii: "0"))
                index += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        return nil
    }

    static func range(of marker: [UInt8], in bytes: [UInt8]) -> Range<Int>? {
        guard bytes.count >= marker.count, let first = marker.first else { return nil }
        var index = 0
        let last = bytes.count - marker.count
        while index <= last {
            if bytes[index] == first, bytes[index..<(index + marker.count)].elementsEqual(marker) {
                return index..<(index + marker.count)
            }
            index += 1
        }
        return nil
    }
}
