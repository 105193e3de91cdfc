import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every process of a running network, or where one report is.",
        discussion: """
            Asks the node and every daemon found in --dir for their state: pid, last applied \
            sequence and view hash (and whether it equals the node's hash for that view), \
            outbox backlog and the age of the oldest queued report, lag, last heard.

            Examples:
              knooppunt status
              knooppunt status --json
              knooppunt status --as VR09 --report 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f
            """)

    @OptionGroup var folder: FolderOption
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "With --as: where this report is (queued, accepted seq N, delivered to whom).") var report:
        String?
    @Option(name: .customLong("as"), help: "The organisation whose outbox holds --report.") var organisation:
        OrganisationCode?

    func validate() throws {
        if (report == nil) != (organisation == nil) { throw ValidationError("--report and --as go together") }
    }

    func run() throws {
        let network = try folder.network()
        let registry = network.registry
        let nodes = NodeControl.statuses(folder.folder, network)
        let node = nodes.compactMap(\.status).filter(\.isServing).max { $0.epoch < $1.epoch }
        if let report, let organisation { return try showReport(report, of: organisation, node: node) }
        // Organisations that run (or ran) here: those with a folder in --dir.
        let present = network.daemons.filter {
            FileManager.default.fileExists(atPath: folder.folder.daemonFolder($0).path)
        }
        var daemons: [String: JSONValue] = [:]
        for code in present {
            let endpoint = folder.folder.operatorEndpoint(code)
            let lockHolder = LockFile.holder(of: folder.folder.lockFile(in: folder.folder.daemonFolder(code)))
            guard lockHolder != nil, LocalClient.socketExists(endpoint),
                let status = try? OperatorClient(endpoint: endpoint).status(timeout: .seconds(2))
            else { continue }
            daemons[code.rawValue] = Self.described(status, registry.organisation(code))
        }
        if json {
            var nodesJSON: [String: JSONValue] = [:]
            for (role, status) in nodes { nodesJSON[role.rawValue] = status?.json ?? .null }
            let object: JSONValue = [
                "node": node?.json ?? .null, "nodes": .object(nodesJSON), "daemons": .object(daemons),
                "version": Version.json, "parties": Self.partiesJSON(registry),
            ]
            print(JSONWriter.pretty(object))
            return
        }
        guard let node else {
            print("The national node is not running in \(folder.folder.root.path).")
            if daemons.isEmpty { throw ExitCode(ExitCodes.daemonUnreachable) }
            return
        }
        let last = Int64(clamping: node.lastSequence)
        for (role, status) in nodes {
            guard let status else {
                print("national node \(role.rawValue): not running")
                continue
            }
            var line = "national node \(role.rawValue): pid \(status.pid)  \(status.role)"
            line += "  epoch \(status.epoch)  seq \(status.lastSequence)"
            if let quorum = status.quorum { line += "  " + Self.describe(quorum) }
            print(line)
        }
        print("")
        print(
            pad("ORG", 9) + pad("PID", 8) + pad("APPLIED", 9) + pad("LAG", 6) + pad("VIEW HASH", 14)
                + pad("CONVERGED", 11) + pad("BACKLOG", 9) + pad("OLDEST", 9) + "LAST HEARD")
        func row(_ code: OrganisationCode) -> String {
            let party = node.parties[code.rawValue]
            let daemon = daemons[code.rawValue]
            let pid = daemon?["pid"]?.integerValue.map(String.init) ?? "-"
            let applied =
                daemon?["mirror"]?["applied"]?.integerValue ?? party?.applied.map { Int64(clamping: $0) }
            let hash = daemon?["mirror"]?["viewHash"]?.stringValue ?? party?.viewHash
            let converged = applied == last && hash == party?.nodeViewHash
            let backlog = daemon?["outbox"]?["queued"]?.integerValue ?? party?.outboxBacklog
            let oldest = daemon?["outbox"]?["oldestQueuedMs"]?.integerValue ?? party?.oldestQueuedMs
            let heard = party?.lastHeardMsAgo
            return pad(code.rawValue, 9) + pad(pid, 8) + pad(applied.map(String.init) ?? "-", 9)
                + pad(applied.map { String(last - $0) } ?? "-", 6)
                + pad(hash.map { String($0.prefix(12)) } ?? "-", 14)
                + pad(daemon == nil ? "stopped" : (converged ? "yes" : "no"), 11)
                + pad(backlog.map(String.init) ?? "-", 9)
                + pad(oldest.map { $0 == 0 ? "-" : "\($0 / 1000)s" } ?? "-", 9)
                + (heard.map { "\(Double($0) / 1000)s ago" } ?? "never")
        }
        // The 28 as always, then the partners in a section per kind with their names.
        for code in present where code.isReference { print(row(code)) }
        for (kind, members) in registry.byKind where !OrganisationKind.referenceOnly.contains(kind) {
            let running = members.filter { present.contains($0.code) }
            guard !running.isEmpty else { continue }
            print("")
            print("PARTNERS \(kind) (\(running.count))")
            for member in running { print(row(member.code) + "  " + member.name) }
        }
    }

    /// A daemon's status with its organisation's kind and name, as the network describes it.
    static func described(_ status: JSONValue, _ organisation: Organisation?) -> JSONValue {
        guard var object = status.objectValue, let organisation else { return status }
        object["kind"] = .string(organisation.kind.rawValue)
        object["name"] = .string(organisation.name)
        return .object(object)
    }

    /// Every organisation of the network but the node, in the stable order (the 28 first):
    /// its code, kind, name and whether it is a partner.
    static func partiesJSON(_ registry: OrganisationRegistry) -> JSONValue {
        .array(
            registry.organisations.filter { $0.code != .national }.map { organisation in
                [
                    "code": .string(organisation.code.rawValue), "kind": .string(organisation.kind.rawValue),
                    "name": .string(organisation.name), "partner": .bool(!organisation.code.isReference),
                ]
            })
    }

    /// A replica's quorum fields on one line: its role in etcd, the log it holds and how far
    /// the log is trimmed, etcd's members and database, and a full database in capitals.
    static func describe(_ quorum: NodeStatus.Quorum) -> String {
        var text = "etcd \(quorum.role)  log \(quorum.logIndex) (trimmed to \(quorum.trimmedThrough))"
        text += "  members \(quorum.membersReachable)/\(quorum.members)"
        text += "  db \(quorum.dbSize / 1_024) KiB"
        if !quorum.alarms.isEmpty { text += "  ALARM \(quorum.alarms.joined(separator: ","))" }
        if quorum.spaceFull { text += "  ETCD FULL (refusing new reports)" }
        return text
    }

    private func showReport(_ id: String, of organisation: OrganisationCode, node: NodeStatus?) throws {
        let endpoint = folder.folder.operatorEndpoint(organisation)
        let state: JSONValue
        do {
            // An id that is not one, or a question the daemon refuses: a report it does not know.
            state = try ReportID(id).flatMap { try OperatorClient(endpoint: endpoint).reportState($0) } ?? [:]
        } catch {
            printError("E506 daemonUnreachable: the daemon of \(organisation) is not running")
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        var delivered: [String] = []
        var pending: [String] = []
        if let sequence = state["sequence"]?.integerValue, let parties = node?.parties {
            // Only parties the node has heard from take part in this network.
            for (code, party) in parties.sorted(by: { $0.key < $1.key }) where code != "NATIONAL" {
                guard let applied = party.applied else { continue }
                if Int64(clamping: applied) >= sequence {
                    delivered.append(code)
                } else {
                    pending.append(code)
                }
            }
        }
        if json {
            var object = state.objectValue ?? [:]
            object["deliveredTo"] = .array(delivered.map(JSONValue.string))
            object["notYetDeliveredTo"] = .array(pending.map(JSONValue.string))
            print(JSONWriter.pretty(.object(object)))
            return
        }
        switch state["state"]?.stringValue {
        case "queued":
            print("\(id): queued in \(organisation)'s outbox (#\(state["originSeq"]?.integerValue ?? 0))")
        case "accepted":
            print(
                "\(id): accepted seq \(state["sequence"]?.integerValue ?? 0) (epoch \(state["epoch"]?.integerValue ?? 0))"
            )
            print("  delivered to: \(delivered.isEmpty ? "nobody yet" : delivered.joined(separator: " "))")
            if !pending.isEmpty { print("  not yet delivered to: \(pending.joined(separator: " "))") }
        case "rejected":
            print(
                "\(id): refused by the node: E\(state["code"]?.integerValue ?? 0) \(state["message"]?.stringValue ?? "")"
            )
        default:
            print("\(id): not known to \(organisation)'s daemon")
            throw ExitCode(ExitCodes.invalid)
        }
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
