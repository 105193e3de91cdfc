import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// The node's liveness board as the workflows need it: per organisation the sequence its
/// daemon reported applied ("delivered"), and the node's clock (deadlines run on it). Read
/// from the active node's control socket, so only where the node runs (its host, or a local
/// network); elsewhere delivery is unknown and the local clock judges deadlines.
struct NodeBoard {
    let applied: [OrganisationCode: SequenceNumber]
    /// The node's time (ms since 1970) when it answered.
    let now: Int64

    static func read(_ folder: DataFolder, _ network: NetworkConfig) -> NodeBoard? {
        guard let status = activeNodeStatus(folder, network) else { return nil }
        return NodeBoard(status: status)
    }

    init?(status: JSONValue) {
        guard let parties = status["parties"]?.objectValue else { return nil }
        var applied: [OrganisationCode: SequenceNumber] = [:]
        for (code, party) in parties {
            if let organisation = OrganisationCode(code), let value = party["applied"]?.integerValue,
                value >= 0
            {
                applied[organisation] = SequenceNumber(value)
            }
        }
        self.applied = applied
        now = status["time"]?.integerValue ?? WallClock.now()
    }
}

enum WallClock {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// Reads an organisation's picture from its running daemon (its view) and, where its store
/// is in the data folder, the history its mirror applied.
enum DaemonPicture {
    /// The daemon's PICTURE answer as records; exits 5 when the daemon is not running.
    static func records(_ folder: DataFolder, _ organisation: OrganisationCode) throws -> [WorkflowRecord] {
        let endpoint = folder.operatorEndpoint(organisation)
        guard LocalClient.socketExists(endpoint),
            let answer = try? LocalClient(endpoint: endpoint).requestJSON(
                OperatorCommand.picture.rawValue, timeout: .seconds(10))
        else {
            printError(
                "E506 daemonUnreachable: the daemon of \(organisation) is not running in \(folder.root.path) (start the network with `knooppunt cluster --dir \(folder.root.path)`)"
            )
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        return WorkflowRecord.records(pictureAnswer: answer)
    }

    /// Earlier reports under `keyPrefixes` from the daemon's own store (read-only); empty when
    /// the store cannot be read here.
    static func history(
        _ folder: DataFolder, _ organisation: OrganisationCode, keyPrefixes: [String]
    ) -> [WorkflowRecord] {
        let path = folder.daemonStore(organisation).path
        guard FileManager.default.fileExists(atPath: path),
            let updates = try? MirrorReader(daemonStorePath: path).history(keyPrefixes: keyPrefixes)
        else { return [] }
        return updates.map { WorkflowRecord($0) }
    }
}

/// The national view from the node's log (offline, read-only): for the desk's tools on the
/// node's host.
enum NationalLog {
    static func records(_ folder: DataFolder, types: [ReportType]) throws -> [WorkflowRecord] {
        let log = try OfflineStores.log(folder)
        return try log.allUpdates(matching: LogFilter(types: types)).map {
            WorkflowRecord($0, view: .organisation(.national))
        }
    }
}

/// `30m`, `1h30m`, `90` (seconds): durations on the command line.
struct DurationArgument: ExpressibleByArgument, CustomStringConvertible {
    let seconds: Int64

    init?(argument: String) {
        guard let seconds = ScenarioDuration.seconds(text: argument), seconds > 0 else { return nil }
        self.seconds = seconds
    }

    init(seconds: Int64) { self.seconds = seconds }

    var milliseconds: Int64 { seconds * 1000 }
    var description: String { durationText(milliseconds: milliseconds) }

    /// `now` plus this duration, whole seconds, Europe/Amsterdam.
    func after(_ now: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: (now + milliseconds) / 1000 * 1000).inAmsterdam
    }
}

/// A list of organisation codes: `VR09,VR14,POLICE`.
struct OrganisationList: ExpressibleByArgument {
    let codes: [OrganisationCode]

    init?(argument: String) {
        let parts = argument.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).uppercased()
        }
        let codes = parts.compactMap { OrganisationCode($0) }
        guard !codes.isEmpty, codes.count == parts.count else { return nil }
        self.codes = Array(Set(codes)).sorted()
    }
}
