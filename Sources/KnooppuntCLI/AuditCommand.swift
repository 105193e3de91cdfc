import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

/// The node's audit log for an inspection: verified against itself and against every signed
/// checkpoint the data folder holds (the nodes' own and those the daemons received).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify or export the national node's tamper-evident audit log.",
        discussion: """
            The active node writes every submission, acceptance, refusal (with its code and \
            reason), delivery per recipient, acknowledgement (with the person), rate-limit episode, \
            refused connection, configuration and key change into an append-only, hash-chained log \
            in its store (on etcd every replica writes the same chain from the log) and signs the \
            chain head every few seconds. The signed heads (checkpoints) go to every daemon. \
            `audit verify` reads \
            the log read-only (beside a live node, or a copy) and finds any edited field, removed \
            or inserted row, cut tail, or chain rewritten from an edit onwards. See docs/THREAT_MODEL.md.
            """,
        subcommands: [AuditVerifyCommand.self, AuditExportCommand.self])
}

/// Which node's store, and which stores to take checkpoints from.
struct AuditSource: ParsableArguments {
    @Option(
        help:
            "The node whose log to read: primary, backup or third (default: the one with the longest chain).")
    var node: String?

    @Option(help: "Read this node store file instead of the one in --dir (a copy for an inspection).")
    var store: String?

    @OptionGroup var folder: FolderOption

    func validate() throws {
        if let node, PairRole(rawValue: node) == nil {
            throw ValidationError("--node: primary, backup or third")
        }
    }

    /// The store to read, chosen once: finding the longest chain opens every node's store.
    struct Chosen {
        let role: PairRole
        let path: String
    }

    /// The node named, or the one whose chain is longest: the node that was active last.
    func chosen() -> Chosen {
        let role: PairRole
        if let node, let named = PairRole(rawValue: node) {
            role = named
        } else {
            let lengths = PairRole.allCases.map { role -> (PairRole, UInt64) in
                let path = folder.folder.store(of: role).path
                guard FileManager.default.fileExists(atPath: path) else { return (role, 0) }
                return (role, (try? AuditReader(nodeStorePath: path).lastSeq()) ?? 0)
            }
            // The first of the longest, in role order: the primary when the chains are equal.
            role = lengths.reduce(lengths[0]) { $1.1 > $0.1 ? $1 : $0 }.0
        }
        return Chosen(role: role, path: store ?? folder.folder.store(of: role).path)
    }

    /// Every checkpoint found in the data folder: every node's store and every daemon's.
    func checkpoints(_ chosen: Chosen) -> [AuditVerifier.SourcedCheckpoint] {
        let data = folder.folder
        var found: [AuditVerifier.SourcedCheckpoint] = []
        var nodeStores: [(String, String)] = [("node \(chosen.role.rawValue)", chosen.path)]
        for other in PairRole.allCases where other != chosen.role {
            nodeStores.append(("node \(other.rawValue)", data.store(of: other).path))
        }
        for (label, path) in nodeStores where FileManager.default.fileExists(atPath: path) {
            let checkpoints = (try? AuditReader(nodeStorePath: path).checkpoints()) ?? []
            found += checkpoints.map { AuditVerifier.SourcedCheckpoint($0, source: label) }
        }
        for code in OrganisationCode.all where code != .national {
            let path = data.daemonStore(code).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let checkpoints = (try? CheckpointReader(daemonStorePath: path).checkpoints()) ?? []
            found += checkpoints.map { AuditVerifier.SourcedCheckpoint($0, source: code.rawValue) }
        }
        return found
    }
}

struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit chain and every signed checkpoint; exit 1 when anything is wrong.",
        discussion: """
            Examples:
              knooppunt audit verify --dir ./var
              knooppunt audit verify --store ./copy/store.sqlite --dir ./var
            """)

    @OptionGroup var source: AuditSource

    func run() throws {
        let network = try source.folder.network()
        let chosen = source.chosen()
        let records = try AuditReader(nodeStorePath: chosen.path).records()
        let report = AuditVerifier(key: network.nodeAuditPublicKey).verify(
            records, checkpoints: source.checkpoints(chosen))
        let head = report.head.map { "row \($0.seq), hash \(Hex.encode($0.hash).prefix(16))…" } ?? "empty"
        print("audit log: \(chosen.path)")
        print("  \(report.rows) rows, head \(head)")
        print(
            "  \(report.checkpointsVerified) signed checkpoints match (from \(report.sources.sorted().joined(separator: ", ")))"
        )
        if report.superseded > 0 {
            print(
                "  \(report.superseded) checkpoints cover rows an earlier active wrote that no other node holds; the chain continued in a later epoch (rows of the retired pair's failovers, kept in audit_discarded)"
            )
        }
        if report.intact {
            print("intact")
            return
        }
        for problem in report.problems { print("  PROBLEM: \(problem)") }
        print("NOT INTACT: \(report.problems.count) problem(s)")
        throw ExitCode(1)
    }
}

struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the audit log and its signed checkpoints as JSON lines for an inspection.",
        discussion: """
            One JSON object per line: every row (`"row"`: its fields, previous hash and hash in hex), \
            then every checkpoint (`"checkpoint"`, with where it was found). `audit verify` on the \
            same folder says whether the rows are intact.

            Example:
              knooppunt audit export --dir ./var --output audit.jsonl
            """)

    @OptionGroup var source: AuditSource

    @Option(help: "Write to this file instead of standard output.")
    var output: String?

    func run() throws {
        var lines: [UInt8] = []
        var rows = 0
        let chosen = source.chosen()
        try AuditReader(nodeStorePath: chosen.path).forEachRecord { page in
            for record in page {
                lines += JSONWriter.canonical(["row": record.json]) + [0x0A]
                rows += 1
            }
        }
        let checkpoints = source.checkpoints(chosen)
        for sourced in checkpoints {
            guard case .object(var object) = sourced.checkpoint.json else { continue }
            object["source"] = .string(sourced.source)
            lines += JSONWriter.canonical(["checkpoint": .object(object)]) + [0x0A]
        }
        if let output {
            try Data(lines).write(to: URL(fileURLWithPath: output))
            printError("wrote \(rows) rows and \(checkpoints.count) checkpoints to \(output)")
        } else {
            FileHandle.standardOutput.write(Data(lines))
        }
    }
}
