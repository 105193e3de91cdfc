import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// The node's liveness board as the workflows need it: per organisation the sequence its
/// daemon reported applied ("delivered"), and the node's clock (deadlines run on it). Read
/// from the active node's control socket, so only where the node runs (its host, or a local
/// network); elsewhere delivery is unknown and the local clock judges deadlines.
public struct NodeBoard: Sendable {
    public let applied: [OrganisationCode: SequenceNumber]
    /// The node's time (ms since 1970) when it answered.
    public let now: Int64

    public static func read(_ folder: DataFolder, _ network: NetworkConfig) -> NodeBoard? {
        NodeControl.active(folder, network).map(NodeBoard.init(status:))
    }

    public init(applied: [OrganisationCode: SequenceNumber], now: Int64) {
        self.applied = applied
        self.now = now
    }

    /// What the node's STATUS says each party applied, and the node's clock.
    public init(status: NodeStatus) {
        applied = status.appliedByParty
        now = status.time
    }
}

/// Reads an organisation's picture from its running daemon (its view) and, where its store
/// is in the data folder, the history its mirror applied.
public enum DaemonPicture {
    /// The daemon's PICTURE answer as records; `daemonUnreachable` when it is not running.
    public static func records(
        _ folder: DataFolder, _ organisation: OrganisationCode
    ) throws -> [WorkflowRecord] {
        let endpoint = folder.operatorEndpoint(organisation)
        guard LocalClient.socketExists(endpoint),
            let answer = try? OperatorClient(endpoint: endpoint).picture(timeout: .seconds(10))
        else { throw DaemonPicture.notRunning(folder, organisation) }
        return WorkflowRecord.records(pictureAnswer: answer)
    }

    /// Earlier reports under `keyPrefixes` from the daemon's own store (read-only); empty when
    /// the store cannot be read here.
    public static func history(
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
public enum NationalLog {
    public static func records(_ folder: DataFolder, types: [ReportType]) throws -> [WorkflowRecord] {
        let log = try OfflineStores.log(folder)
        return try log.allUpdates(matching: LogFilter(types: types)).map {
            WorkflowRecord($0, view: .organisation(.national))
        }
    }
}

extension DaemonPicture {
    /// "E506 daemonUnreachable: …", with the command that starts the network.
    public static func notRunning(_ folder: DataFolder, _ organisation: OrganisationCode) -> ServiceFailure {
        ServiceFailure(
            .daemonUnreachable,
            "E506 daemonUnreachable: the daemon of \(organisation) is not running in \(folder.root.path) (start the network with `knooppunt cluster --dir \(folder.root.path)`)"
        )
    }
}

extension NationalLog {
    /// Every request and acknowledgement in the log, and the reports they are about.
    public static func acknowledgementRecords(_ folder: DataFolder) throws -> [WorkflowRecord] {
        let log = try OfflineStores.log(folder)
        let updates = try log.allUpdates(matching: LogFilter(types: [.ackRequest, .ack]))
        let subjects = Set(updates.compactMap(\.report.envelope.subject))
        let known = Set(updates.map(\.report.id))
        let subjectUpdates = try subjects.subtracting(known).sorted().compactMap { try log.update(id: $0) }
        return (updates + subjectUpdates).map { WorkflowRecord($0, view: .organisation(.national)) }
    }
}
