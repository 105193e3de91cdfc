import ArgumentParser
import Foundation
import KnooppuntBench
import KnooppuntConfig
import StrictJSON

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the national node: durable ACKs/s, latencies, snapshot time, memory.",
        discussion: """
            Starts a real national node (its own process, CURVE on, fsync before every ACK) in \
            --dir (with --quorum also three replicas on etcd, see below), and drives it with 25 publishers, one per region, each keeping --window reports \
            un-ACKed: speaking KNP/1 directly, or with --through-daemons handing reports to real \
            region daemons (operator socket, outbox with fsync, then the node), as deployed. Prints JSON: the configuration (including the \
            read-back `synchronous` level) and, per phase: durable ACKs/s and publish→ACK \
            latency, the node's CPU time per durable report and reports per group commit at full \
            load; publish→subscriber latency at a steady rate; the time a late \
            joiner needs for a snapshot of an N-incident picture (median of 5 joiners, with min and max); the same steady rate again from \
            the other regions while one region floods the node with --flood-rate messages per second (what \
            the rate limit leaves of the flood, and what the flood costs the others; direct mode \
            only); the node's RSS. Then the machine's limits, measured in the same run so each \
            figure stands next to its own: 1 KB write+fdatasync per second on the node's disk (and \
            in groups of 64), and CURVE DEALER→ROUTER round trips and messages per second over \
            loopback.

            With --parties N it runs the parties benchmark instead: N partner organisations, each \
            a direct KNP/1 subscriber with its own CURVE key and view, and publish→every-party \
            latency at --rate reports per second (100 by default) for --steady-seconds, optionally \
            behind links of --delay-ms LO-HI round trip (`bench parties --help` says what it \
            prints; `bench parties --parties N` is the same run).

            `bench zmq` compares the Swift ZeroMQ layer with the same loop on the C API. \
            Method and recorded results: docs/BENCHMARKS.md.

            Examples:
              knooppunt bench --smoke
              knooppunt bench --through-daemons              # through region daemons
              knooppunt bench --quorum                       # one node, then 3 replicas on etcd
              knooppunt bench --reports 100000 --window 64
              knooppunt bench --parties 500                  # 500 parties at 100 reports/s
              knooppunt bench --parties 1000 --steady-seconds 20
              knooppunt bench --parties 500 --delay-ms 10-30 # links across the country
              knooppunt bench zmq
            """,
        subcommands: [BenchNodeCommand.self, BenchZMQCommand.self, BenchPartiesCommand.self],
        defaultSubcommand: BenchNodeCommand.self)
}

struct BenchNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Benchmark the national node (the default).")

    @Flag(help: "A short run for CI (well under a minute): small counts, same phases.") var smoke = false
    @Option(help: "Publishers (one per region, at most 25).") var publishers: Int = 25
    @Option(help: "Un-ACKed reports each publisher keeps in flight.") var window: Int = 64
    @Option(help: "Reports in the full-load phase.") var reports: Int = 100_000
    @Option(help: "Reports per second in the steady phase (1,000; with --parties 100).") var rate: Int?
    @Option(help: "Seconds of the steady phase (with --parties: of publishing).") var steadySeconds: Double =
        10
    @Option(help: "Run the parties benchmark with this many partner organisations (see above).") var parties:
        Int?
    @Option(help: "With --parties: round trip of each party's link in ms, as LO-HI (e.g. 10-30).")
    var delayMs: String?
    @Option(help: "Incidents in the picture for the snapshot phase.") var incidents: Int = 10_000
    @Option(help: "Size of each sitrep in bytes (approximate).") var reportBytes: Int = 1_024
    @Option(help: "Messages per second the flooding region sends in the flood phase (the node admits 2,000).")
    var floodRate: Int = 20_000
    @Flag(help: "Publish through real region daemons and their outboxes (as deployed) instead of directly.")
    var throughDaemons = false
    @OptionGroup var quorum: BenchQuorumOptions
    @Option(help: "Where the node keeps its store for the run (a new temporary folder by default).") var dir:
        String?
    @Option(help: "Write the JSON result here as well.") var output: String?

    func validate() throws {
        if delayMs != nil, parties == nil { throw ValidationError("--delay-ms goes with --parties") }
        guard let parties else { return }
        guard !throughDaemons, !quorum.quorum, !smoke else {
            throw ValidationError(
                "--parties runs the parties benchmark: without --through-daemons, --quorum or --smoke")
        }
        // Parsing the parties run checks its options; say what is wrong in this command's words.
        do {
            _ = try partiesRun(parties)
        } catch {
            throw ValidationError(BenchPartiesRun.message(for: error))
        }
    }

    /// The parties benchmark as `bench parties run` would run it with these options.
    func partiesRun(_ count: Int) throws -> BenchPartiesRun {
        var arguments = ["--parties", String(count), "--seconds", String(steadySeconds)]
        if let rate { arguments += ["--rate", String(rate)] }
        if let delayMs { arguments += ["--delay-ms", delayMs] }
        if let dir { arguments += ["--dir", dir] }
        if let output { arguments += ["--output", output] }
        return try BenchPartiesRun.parse(arguments)
    }

    /// The node benchmark's steady rate.
    static let nodeRate = 1_000

    func run() throws {
        if let parties { return try partiesRun(parties).run() }
        var configuration = BenchConfiguration(
            publishers: min(max(publishers, 1), 25), window: max(window, 1), reports: reports,
            rate: rate ?? Self.nodeRate,
            steadySeconds: steadySeconds, incidents: incidents, reportBytes: reportBytes,
            floodRate: max(floodRate, 1), throughDaemons: throughDaemons)
        if smoke {
            configuration.reports = 3_000
            configuration.steadySeconds = 2
            configuration.rate = 500
            configuration.incidents = 1_000
        }
        let folder =
            dir.map { DataFolder($0) }
            ?? DataFolder(
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "knooppunt-bench-\(UUID().uuidString.prefix(8))"
                ).path)
        let result =
            quorum.quorum
            ? try quorum.run(configuration, folder: folder)
            : try NodeBenchmark(configuration: configuration, folder: folder).run()
        let text = JSONWriter.pretty(result)
        print(text)
        if let output { try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: output)) }
        if dir == nil { try? FileManager.default.removeItem(at: folder.root) }
    }
}
