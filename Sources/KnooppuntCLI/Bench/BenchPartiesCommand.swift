import ArgumentParser
import Foundation
import KnooppuntBench
import KnooppuntConfig
import KnooppuntDomain
import StrictJSON

struct BenchPartiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parties",
        abstract:
            "Many parties on one node: publish→every-party latency, the node's CPU, memory, stream backlog.",
        discussion: """
            Adds --parties partner organisations to a new network in --dir (each with its own \
            CURVE and signing keys, spread over the kinds ministry, infrastructure, waterBoard, \
            health, defence, justice and municipality; the infrastructure partners form the group \
            vital-infrastructure), starts one national node, and connects every partner as a \
            direct KNP/1 subscriber with its own view, spread over a few processes of at most 250 \
            parties each, one poll loop per process. Five regions then publish --rate reports per \
            second for --seconds; every report reaches every party, one in five also carries a \
            section only the group may read. With --delay-ms LO-HI each party's connection goes \
            through a relay that holds the bytes for half a round trip each way, the round trips \
            spread over LO…HI ms (links across the country; the kernel here has no netem).

            Prints JSON: publish→every-party latency (until the last party has the report), per \
            delivery, and to every member of the group for the group's reports; deliveries \
            expected and received; the node's CPU over the phase, its RSS, and its stream backlog \
            from STATUS (parties catching up, the most updates one party is behind, live sends \
            that found a queue full); the load average. The publisher stamps CLOCK_MONOTONIC \
            into each report; all processes run on this machine and share that clock.

            Examples:
              knooppunt bench --parties 500
              knooppunt bench --parties 500 --delay-ms 10-30
              knooppunt bench parties --parties 1000 --seconds 20
            """,
        subcommands: [BenchPartiesRun.self, BenchPartiesFollow.self],
        defaultSubcommand: BenchPartiesRun.self)
}

struct BenchPartiesRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the parties benchmark (the default).")

    @Option(help: "Partner organisations that follow the node.") var parties: Int = 500
    @Option(help: "Reports per second.") var rate: Int = 100
    @Option(help: "Seconds of publishing.") var seconds: Double = 10
    @Option(help: "Round trip of each party's link in ms, as LO-HI (e.g. 10-30).") var delayMs: String?
    @Option(help: "Where the run keeps its network and logs (a new temporary folder by default).") var dir:
        String?
    @Option(help: "Write the JSON result here as well.") var output: String?

    func validate() throws {
        guard (1...PartiesConfiguration.maximumParties).contains(parties) else {
            throw ValidationError("--parties: 1…\(PartiesConfiguration.maximumParties)")
        }
        guard (1...PartiesConfiguration.maximumRate).contains(rate) else {
            throw ValidationError("--rate: 1…\(PartiesConfiguration.maximumRate)")
        }
        guard seconds > 0 else { throw ValidationError("--seconds: more than 0") }
        if let delayMs, Self.range(delayMs) == nil {
            throw ValidationError(
                "--delay-ms \(delayMs): two whole numbers of ms, LO-HI, with 0 ≤ LO ≤ HI ≤ 10000")
        }
    }

    static func range(_ text: String) -> ClosedRange<Int>? {
        let bounds = text.split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] >= 0, bounds[0] <= bounds[1], bounds[1] <= 10_000 else {
            return nil
        }
        return bounds[0]...bounds[1]
    }

    func run() throws {
        let configuration = PartiesConfiguration(
            parties: parties, rate: rate, seconds: seconds, delay: delayMs.flatMap(Self.range))
        let folder =
            dir.map { DataFolder($0) }
            ?? DataFolder(
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "knooppunt-parties-\(UUID().uuidString.prefix(8))"
                ).path)
        let result = try PartiesBenchmark(configuration: configuration, folder: folder).run()
        let text = JSONWriter.pretty(result)
        print(text)
        if let output { try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: output)) }
        if dir == nil { try? FileManager.default.removeItem(at: folder.root) }
    }
}

/// One process of parties, started by `bench parties run`; not for people.
struct BenchPartiesFollow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow", abstract: "One process of the parties benchmark's parties.",
        shouldDisplay: false)

    @Option(help: "The parties' codes, comma-separated.") var codes: String
    @Option(help: "The global number of the first party.") var firstIndex: Int
    @Option(help: "Written when every party is live.") var ready: String
    @Option(help: "The result.") var output: String
    @Option(help: "Seconds until the process writes what it has and ends.") var deadlineSeconds: Int
    @Option(help: "Round trip of each party's link in ms, as LO-HI.") var delayMs: String?
    @Option(help: "The network's folder.") var dir: String
    @Option(name: .long, help: .hidden) var logLevel: String?
    @Option(name: .long, help: .hidden) var parentPid: Int32?

    func run() throws {
        let parties = codes.split(separator: ",").compactMap { OrganisationCode(String($0)) }
        guard parties.count <= PartiesFollower.maximumParties else {
            throw ValidationError("--codes: at most \(PartiesFollower.maximumParties) parties per process")
        }
        let options = PartiesFollower.Options(
            folder: DataFolder(dir), parties: parties, firstIndex: firstIndex,
            delay: delayMs.flatMap(BenchPartiesRun.range), ready: URL(fileURLWithPath: ready),
            output: URL(fileURLWithPath: output), deadline: .seconds(deadlineSeconds))
        try PartiesFollower(options: options).run()
    }
}
