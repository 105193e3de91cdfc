import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows

/// One step of the threat-level plan, as NCTV takes it: read the area's state from NCTV's
/// daemon and the node's liveness board, plan the step's reports, check that the person may
/// publish every one of them, and publish them in order.
public struct ThreatStepService {
    public let folder: DataFolder
    public let network: NetworkConfig

    public init(folder: DataFolder, network: NetworkConfig) {
        self.folder = folder
        self.network = network
    }

    /// Takes the step `command` (given the node's time) for `person`; the reports go out
    /// through NCTV's daemon as `credential`. Refusals are ``ServiceFailure``s: the plan's
    /// (E700, E701: `rejected`), the person's role (`personRefused`, before anything is sent),
    /// and the publisher's.
    public func take(
        _ command: (Int64) -> ThreatStepCommand, area: ThreatArea, also: [OrganisationCode], exercise: Bool,
        person: Person, credential: PersonCredential, wait: Double, json: Bool, output: @escaping LineOutput
    ) throws {
        let records = try Self.currentRecords(folder)
        let board = NodeBoard.read(folder, network)
        let now = board?.now ?? Timestamp.nowMilliseconds()
        let state = ThreatPlanState.build(area: area, exercise: exercise, records: records)
        let plan = ThreatStepPlan()
        let requests = AcknowledgementTracker().requests(in: records, applied: board?.applied, now: now)
        var random = SystemRandomNumberGenerator()
        let reports: [PlannedReport]
        do throws(Problem) {
            reports = try plan.plan(
                command(now), state: state, parties: plan.affectedParties(area, also: also),
                requests: requests,
                applied: board?.applied, author: person.author, random: &random)
        } catch {
            throw ServiceFailure(.rejected, "\(error.code.summary): \(error.message)")
        }
        // Every report of the step must be the person's to publish, or none is sent.
        for report in reports {
            if let refusal = RolePolicy.check(
                person.role, RolePolicy.action(publishing: report.document.body.type))
            {
                throw ServiceFailure(.personRefused, refusal.description)
            }
        }
        let publisher = try WorkflowPublisher(
            folder: folder, organisation: .nctv, credential: credential, wait: wait, output: output)
        try publisher.publish(reports, json: json)
    }

    /// NCTV's picture and the threat and acknowledgement history its mirror applied.
    public static func currentRecords(_ folder: DataFolder) throws -> [WorkflowRecord] {
        let picture = try DaemonPicture.records(folder, .nctv)
        let history = DaemonPicture.history(
            folder, .nctv, keyPrefixes: ["threat/", "exercise/threat/", "ack/", "exercise/ack/"])
        return WorkflowRecord.merged(picture, history)
    }
}
