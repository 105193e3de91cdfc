import ArgumentParser
import Foundation
import KnooppuntChaos
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import StrictJSON

struct ChaosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Attack the quorum deployment with seeded faults under load, then check every promise.",
        discussion: """
            Starts the quorum deployment as real processes in --dir (a new temporary folder by \
            default): three etcd members (TLS), three node replicas on them (primary, backup, \
            third), --regions safety regions, NCTV, the police and a watcher. It keeps a steady load \
            of acknowledged reports going through the daemons and, by seeded weighted random choice, \
            SIGKILLs, pauses (SIGSTOP/SIGCONT) and restarts any of them and, with --partitions, cuts \
            and heals their hosts' links: the active replica included, but at most one replica and \
            one member at a time, so a majority of each stays. Every ACK the load receives is \
            written to DIR/chaos-acks.jsonl: that file is the truth.

            At the end it heals everything, waits for convergence, reads etcd's committed log with \
            etcdctl, stops the network and reads every store offline: every ACK in the final log at \
            its (epoch, sequence) and none degraded (every ACK committed by a majority of etcd's \
            members); every queued report exactly once and in the origin's order; gap-free \
            sequences; every replica's log equal to the final one; every ACK in etcd's committed \
            order (entries trimmed from etcd are checked in the stores); epochs only rising along \
            the log and never two active replicas in one epoch; one intact audit chain with a row \
            for every ACK; every mirror at the node's hash for its view. It prints PASS or FAIL with \
            counts per invariant, the failover times per kind of fault and the command that reruns \
            the seed. Exit status 0 only for PASS.

            Examples:
              knooppunt chaos --duration 120s --seed 7
              knooppunt chaos --duration 45s --seed 20190318 --json
              knooppunt chaos --duration 60s --seed 16 --partitions
              knooppunt chaos --duration 150s --seed 47 --partitions --faults partition
              knooppunt chaos --duration 25s --seed 1 --self-test
              knooppunt chaos --duration 60s --seed 7 --dir /tmp/chaos-7
              knooppunt chaos --check /tmp/chaos-7
            """)

    @Option(help: "How long to attack, e.g. 120s or 2m.") var duration: String = "120s"
    @Option(help: "The seed of the fault schedule (the same seed, the same schedule).") var seed: UInt64 = 1
    @Option(help: "Safety regions to run (at least 5 as the brief asks).") var regions: Int = 5
    @Flag(help: "Also cut and heal network links between the processes (needs root and iproute2).")
    var partitions = false
    @Option(
        help: ArgumentHelp(
            "Only these kinds of fault, comma-separated: kill, pause, restart, partition (partition needs --partitions).",
            valueName: "kinds"))
    var faults: String?
    @Flag(help: "Print the verdict as JSON.") var json = false
    @Option(
        help:
            "Folder for the run (kept afterwards); a new temporary folder by default (removed after a PASS).")
    var dir: String?
    @Option(help: "Check a finished run folder again instead of running (its ACK file and stores).")
    var check: String?
    @Flag(
        help:
            "After the run, also prove the checker: remove one ACKed entry from a copy of the stores and expect FAIL."
    )
    var selfTest = false
    @Flag(
        help:
            "Remove network namespaces left behind by a crashed --partitions run (those of a run still going stay), then exit."
    )
    var cleanup = false

    func run() throws {
        if let check {
            let verdict = try ChaosRun.recheck(folder: DataFolder(check))
            print(json ? JSONWriter.pretty(verdict.json) : (verdict.passed ? "PASS" : "FAIL"))
            if !json {
                for invariant in verdict.invariants {
                    print(
                        "  \(invariant.passed ? "ok  " : "FAIL") \(invariant.name) (\(invariant.violations.count) violations)"
                    )
                }
            }
            guard verdict.passed else { throw ExitCode.failure }
            return
        }
        guard let seconds = Self.seconds(duration) else {
            throw ValidationError("--duration: use e.g. 45s, 120s or 2m")
        }
        if cleanup {
            let (removed, inUse) = NetworkLab.cleanUpAll()
            print(
                removed.isEmpty
                    ? "no network namespaces left by earlier runs"
                    : "removed \(removed.joined(separator: " "))")
            if !inUse.isEmpty {
                print("left alone (their run is still going): \(inUse.joined(separator: " "))")
            }
            return
        }
        if partitions, let reason = NetworkLab.unavailableReason() {
            // Partitions run each process on a host of its own (network namespaces).
            throw ValidationError("--partitions is not possible here: \(reason). Run without --partitions.")
        }
        let faultKinds = try faults.map { try Self.faultKinds($0, partitions: partitions) }
        let folder = DataFolder(
            dir
                ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                    "knooppunt-chaos-\(seed)-\(UUID().uuidString.prefix(6))"
                ).path)
        var options = ChaosOptions(
            binary: ChildProcess.currentExecutable(), folder: folder,
            duration: .milliseconds(Int64(seconds * 1000)), seed: seed)
        options.regions = max(1, min(25, regions))
        options.partitions = partitions
        options.faultKinds = faultKinds
        let run = ChaosRun(options: options) { line in
            if !json {
                FileHandle.standardError.write(Data("[chaos] \(line)\n".utf8))
            }
        }
        let report = try run.run()
        let rerun =
            "knooppunt chaos --duration \(duration) --seed \(seed) --regions \(options.regions)\(partitions ? " --partitions" : "")\(faults.map { " --faults \($0)" } ?? "")"
        if json {
            print(JSONWriter.pretty(report.json(rerun: rerun)))
        } else {
            print(report.verdict.passed ? "PASS" : "FAIL")
            for invariant in report.verdict.invariants {
                print(
                    "  \(invariant.passed ? "ok  " : "FAIL") \(invariant.name) (\(invariant.checked) checked, \(invariant.violations.count) violations)"
                )
                for example in invariant.violations.prefix(3) { print("       \(example)") }
            }
            print(
                "  \(report.acks) ACKs received (\(report.degradedAcks) degraded, i.e. without etcd's commit: must be 0), \(report.faults.count) faults"
            )
            if let all = FailoverSpread(report.failovers.map(\.duration)) {
                print("  failovers: \(all.count), min \(all.min), median \(all.median), max \(all.max)")
                for (kind, spread) in FailoverSpread.byKind(report.failovers) {
                    print(
                        "    after a \(kind.rawValue) of the active replica: \(spread.count), min \(spread.min), median \(spread.median), max \(spread.max)"
                    )
                }
            }
            print("  rerun: \(rerun)")
            print("  run folder: \(folder.root.path)")
        }
        var selfTestFailed = false
        if selfTest && report.verdict.passed {
            let (removed, verdict) = try ChaosRun.selfTest(folder: folder)
            let caught = !verdict.passed
            print(
                "  checker self-test: removed \(removed) from every replica's log → \(caught ? "FAIL detected, as it must be" : "NOT detected")"
            )
            selfTestFailed = !caught
        }
        if report.verdict.passed && !selfTestFailed && dir == nil {
            try? FileManager.default.removeItem(at: folder.root)
        }
        guard report.verdict.passed, !selfTestFailed else { throw ExitCode.failure }
    }

    static func seconds(_ text: String) -> Double? {
        if text.hasSuffix("m"), let minutes = Double(text.dropLast()) { return minutes * 60 }
        if text.hasSuffix("s"), let seconds = Double(text.dropLast()) { return seconds }
        return Double(text)
    }

    /// The kinds `--faults` names; a clear error for an unknown one, or for partitions without
    /// the hosts to cut.
    static func faultKinds(_ list: String, partitions: Bool) throws -> Set<FaultKind> {
        var kinds: Set<FaultKind> = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let kind = FaultKind(rawValue: name) else {
                throw ValidationError(
                    "--faults: unknown kind '\(name)'; use \(FaultKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            kinds.insert(kind)
        }
        guard !kinds.isEmpty else { throw ValidationError("--faults: name at least one kind, e.g. kill") }
        if kinds.contains(.partition) && !partitions {
            throw ValidationError(
                "--faults partition needs --partitions (every process on a host of its own)")
        }
        return kinds
    }
}
