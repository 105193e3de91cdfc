import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// Hands the reports of one workflow step to an organisation's daemon, in order, each followed
/// to the national node's answer before the next (an acknowledgement request names the
/// report before it). When all are accepted it waits until the daemon's own mirror has them,
/// so the next command (which reads that mirror) sees this step.
///
/// Failures as `knooppunt publish` reports them: still queued when `wait` ran out, refused by
/// the node, the daemon not running, the person refused.
public final class WorkflowPublisher {
    let organisation: OrganisationCode
    let client: OperatorClient
    let endpoint: String
    /// Seconds to wait for the node's answer to each report.
    let wait: Double
    let codec = DocumentCodec()

    /// How long to wait for the daemon's mirror to apply what it published.
    static let mirrorWait: Duration = .seconds(10)

    /// The person the reports are published by, as the daemon checks it.
    let credential: PersonCredential
    let output: LineOutput

    public init(
        folder: DataFolder, organisation: OrganisationCode, credential: PersonCredential, wait: Double,
        output: @escaping LineOutput
    ) throws {
        self.organisation = organisation
        self.credential = credential
        self.wait = wait
        self.output = output
        endpoint = folder.operatorEndpoint(organisation)
        guard LocalClient.socketExists(endpoint) else { throw DaemonPicture.notRunning(folder, organisation) }
        client = try OperatorClient(endpoint: endpoint)
    }

    public struct Accepted: Sendable {
        public let id: ReportID
        public let sequence: SequenceNumber
        public let summary: String
    }

    /// Publishes every report; writes one line per report (or JSON lines with `json`).
    @discardableResult
    public func publish(_ reports: [PlannedReport], json: Bool) throws -> [Accepted] {
        var accepted: [Accepted] = []
        for report in reports {
            let sequence = try publishOne(report.document)
            let id = report.document.id!
            accepted.append(Accepted(id: id, sequence: sequence, summary: report.summary))
            if json {
                output(
                    String(
                        decoding: JSONWriter.canonical([
                            "report": .string(id.rawValue), "state": "accepted",
                            "sequence": .integer(Int64(sequence)), "summary": .string(report.summary),
                        ]), as: UTF8.self))
            } else {
                output("\(id) accepted seq \(sequence): \(report.summary)")
            }
        }
        if let last = accepted.last { waitForMirror(last.sequence) }
        return accepted
    }

    private func publishOne(_ document: ReportDocument) throws -> SequenceNumber {
        let id = document.id!
        let bytes = JSONWriter.canonical(codec.encode(document))
        do {
            try client.send(
                .publish(document: bytes, options: PublishOptions(again: false, credential: credential)))
        } catch {
            throw ServiceFailure(
                .daemonUnreachable,
                "E506 daemonUnreachable: the daemon of \(organisation) does not answer on \(endpoint)")
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(wait, 1) * 1000))
        while ContinuousClock.now < deadline {
            guard let answer = try client.receive(timeout: ContinuousClock.now.duration(to: deadline)) else {
                break
            }
            switch answer {
            case .error(let refusal):
                let code = refusal.first.code
                throw ServiceFailure(
                    code.isPersonRefusal ? .personRefused : .rejected,
                    "E\(code.rawValue): \(refusal.first.message)")
            case .accepted(id, _, let sequence, _):
                return sequence
            case .rejected(id, let code, let message):
                throw ServiceFailure(
                    .rejected, "\(id) refused: \(code?.summary ?? "an unknown code"): \(message)")
            default:
                continue
            }
        }
        throw ServiceFailure(
            .queued,
            "\(id) still queued after \(wait)s: it stays in \(organisation)'s outbox and goes out when the node answers; the steps after it were not sent"
        )
    }

    /// Waits (bounded) until the daemon's mirror applied `sequence`.
    private func waitForMirror(_ sequence: SequenceNumber) {
        let deadline = ContinuousClock.now + Self.mirrorWait
        while ContinuousClock.now < deadline {
            let status = try? OperatorClient(endpoint: endpoint).status(timeout: .seconds(2))
            if let applied = status?["mirror"]?["applied"]?.integerValue, applied >= Int64(sequence) {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
