import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol
import KnooppuntServices
import KnooppuntWeb
import StrictJSON

// What `knooppunt cluster` prints once the network is ready, and its smoke report.
extension ClusterCommand {
    func short(_ path: String) -> String {
        let root = folder.folder.root.path
        return path.hasPrefix(root) ? folder.dir + path.dropFirst(root.count) : path
    }

    func printTable(
        network: NetworkConfig, daemons: [OrganisationCode], supervisor: Supervisor, etcd: EtcdCluster?
    ) {
        let data = folder.folder
        let statuses = NodeStatus.all(data, network)
        print("")
        print(pad("PROCESS", 34) + pad("PID", 8) + pad("ENDPOINT", 38) + "LOG")
        for (role, address) in network.nodes {
            let state = statuses.first { $0.role == role }?.status?.role ?? "?"
            print(
                pad("national node \(role.rawValue) (\(state))", 34)
                    + pad(String(supervisor.pid(of: role.rawValue) ?? 0), 8)
                    + pad(address.endpoint, 38)
                    + short(data.folder(of: role).appendingPathComponent("node.log").path))
            if let base = address.chpBasePort {
                print(
                    pad("  CHP public picture", 34) + pad("", 8)
                        + pad("tcp://\(network.chpHost):\(base)/+1", 38))
            }
        }
        for (index, member) in (etcd?.members ?? []).enumerated() {
            print(
                pad("etcd member \(member.name)", 34) + pad(String(etcd?.process(index)?.pid ?? 0), 8)
                    + pad(member.clientURL, 38)
                    + short(LocalEtcd.folder(data).appendingPathComponent("\(member.name).log").path))
        }
        let reference = ReferenceData.builtIn
        for code in daemons {
            let name = code.isSafetyRegion ? "\(code) \(reference.regions[code]?.name ?? "")" : code.rawValue
            print(
                pad(name, 34) + pad(String(supervisor.pid(of: code.rawValue) ?? 0), 8)
                    + pad(short(String(data.operatorEndpoint(code).dropFirst(6))), 38)
                    + short(data.daemonFolder(code).appendingPathComponent("daemon.log").path))
        }
        if !noDesk {
            let deskFolder = URL(fileURLWithPath: DeskOptions.deskFolder(data), isDirectory: true)
            print(
                pad("national desk", 34) + pad(String(supervisor.pid(of: "desk") ?? 0), 8)
                    + pad("http://127.0.0.1:\(deskPort)/", 38)
                    + short(deskFolder.appendingPathComponent("desk.log").path))
        }
    }

    /// --smoke: one incident from VR09 (or the first region), followed until accepted.
    func publishSmokeReport(_ data: DataFolder) -> Bool {
        let region = (try? selectedRegions().first) ?? OrganisationCode("VR09")!
        let municipality = ReferenceData.builtIn.municipalities.values.filter { $0.region == region }.map(
            \.code
        ).min()!
        let now = Timestamp.now().inAmsterdam
        let document: JSONValue = [
            "type": "incident", "incident": .string("\(region)-SMOKE-\(now.millisecondsSinceEpoch)"),
            "title": "Rooktest van het netwerk", "kind": "other",
            "location": ["municipality": .string(municipality.rawValue)],
            "startedAt": .string(now.rfc3339Seconds),
            "lead": ["organisation": .string(region.rawValue), "function": "Operationeel leider"],
            "status": "open", "classification": "partners", "exercise": true,
        ]
        do {
            let token = try String(contentsOf: LocalDutyAccounts.tokenFile(data, region), encoding: .utf8)
            let options = PublishOptions(
                again: true, credential: .token(token.trimmingCharacters(in: .whitespacesAndNewlines)))
            let client = try OperatorClient(endpoint: data.operatorEndpoint(region))
            guard
                case .queued(let id, _) = try client.publish(JSONWriter.canonical(document), options: options)
            else {
                printError("smoke: \(region) did not queue the report")
                return false
            }
            print("smoke: \(id) queued at \(region)")
            guard case .accepted(id, _, let sequence, _) = try client.receive(timeout: .seconds(20)) else {
                printError("smoke: \(id) was not accepted within 20 s")
                return false
            }
            print("smoke: \(id) accepted seq \(sequence)")
            return true
        } catch {
            printError("smoke: \(error)")
            return false
        }
    }
}
