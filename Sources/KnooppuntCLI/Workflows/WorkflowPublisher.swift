import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDaemon
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
/// Exit codes as `knooppunt publish`: 3 still queued when `wait` ran out, 4 refused by the
/// node, 5 the daemon is not running.
final class WorkflowPublisher {
    let organisation: OrganisationCode
    let client: LocalClient
    let endpoint: String
    /// Seconds to wait for the node's answer to each report.
    let wait: Double
    let codec = DocumentCodec()

    /// How long to wait for the daemon's mirror to apply what it published.
    static let mirrorWait: Duration = .seconds(10)

    /// The person the reports are published by, as the daemon checks it.
    let credential: PersonCredential

    init(
        folder: DataFolder, organisation: OrganisationCode, credential: PersonCredential, wait: Double
    ) throws {
        self.organisation = organisation
        self.credential = credential
        self.wait = wait
        endpoint = folder.operatorEndpoint(organisation)
        guard LocalClient.socketExists(endpoint) else {
            printError(
                "E506 daemonUnreachable: the daemon of \(organisation) is not running in \(folder.root.path) (start the network with `knooppunt cluster --dir \(folder.root.path)`)"
            )
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        client = try LocalClient(endpoint: endpoint)
    }

    struct Accepted {
        let id: ReportID
        let sequence: SequenceNumber
        let summary: String
    }

    /// Publishes every report; prints one line per report (or JSON lines with `json`).
    @discardableResult
    func publish(_ reports: [PlannedReport], json: Bool) throws -> [Accepted] {
        var accepted: [Accepted] = []
        for report in reports {
            let sequence = try publishOne(report.document)
            let id = report.document.id!
            accepted.append(Accepted(id: id, sequence: sequence, summary: report.summary))
            if json {
                print(
                    String(
                        decoding: JSONWriter.canonical([
                            "report": .string(id.rawValue), "state": "accepted",
                            "sequence": .integer(Int64(sequence)), "summary": .string(report.summary),
                        ]), as: UTF8.self))
            } else {
                print("\(id) accepted seq \(sequence): \(report.summary)")
            }
            flushStandardOutput()
        }
        if let last = accepted.last { waitForMirror(last.sequence) }
        return accepted
    }

    private func publishOne(_ document: ReportDocument) throws -> SequenceNumber {
        let id = document.id!
        let bytes = JSONWriter.canonical(codec.encode(document))
        do {
            try client.send(
                OperatorCommand.publish.rawValue,
                [bytes, JSONWriter.canonical(PublishOptions(again: false, credential: credential).json)])
        } catch {
            printError("E506 daemonUnreachable: the daemon of \(organisation) does not answer on \(endpoint)")
            throw ExitCode(ExitCodes.daemonUnreachable)
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(wait, 1) * 1000))
        while ContinuousClock.now < deadline {
            guard let answer = try client.receive(timeout: ContinuousClock.now.duration(to: deadline)) else {
                break
            }
            let text = answer.frames.map { String(decoding: $0, as: UTF8.self) }
            switch answer.command {
            case OperatorReply.queued:
                continue
            case OperatorReply.error:
                printError("E\(text.first ?? "?"): \(text.dropFirst().first ?? "")")
                let code = Int(text.first ?? "") ?? 0
                let personRefused = (ErrorCode.notSignedIn.rawValue...ErrorCode.roleNotPermitted.rawValue)
                    .contains(code)
                throw ExitCode(personRefused ? PersonOptions.refusedExit : ExitCodes.rejected)
            case OperatorReply.accepted where text.count == 4 && text[0] == id.rawValue:
                return SequenceNumber(text[2]) ?? 0
            case OperatorReply.rejected where text.count == 3 && text[0] == id.rawValue:
                let code = Int(text[1]).flatMap(ErrorCode.init(rawValue:))
                printError("\(id) refused: \(code?.summary ?? "E\(text[1])"): \(text[2])")
                throw ExitCode(ExitCodes.rejected)
            default:
                continue
            }
        }
        printError(
            "\(id) still queued after \(wait)s: it stays in \(organisation)'s outbox and goes out when the node answers; the steps after it were not sent"
        )
        throw ExitCode(ExitCodes.queuedNotAccepted)
    }

    /// Waits (bounded) until the daemon's mirror applied `sequence`.
    private func waitForMirror(_ sequence: SequenceNumber) {
        let deadline = ContinuousClock.now + Self.mirrorWait
        while ContinuousClock.now < deadline {
            let status = try? LocalClient(endpoint: endpoint).requestJSON(
                OperatorCommand.status.rawValue, timeout: .seconds(2))
            if let applied = status?["mirror"]?["applied"]?.integerValue, applied >= Int64(sequence) {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
