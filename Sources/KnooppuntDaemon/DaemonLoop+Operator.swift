import Crypto
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import ZeroMQ

// The operator socket (docs/PROTOCOL.md §11): PUBLISH, REPORT, STATUS, PICTURE and SIGNALOPEN
// (DaemonLoop+Signals.swift).

extension DaemonLoop {

    func serveOperator() {
        // Reports handed over in one round are stored in one transaction (one fsync).
        var batch: [PendingPublish] = []
        // The accounts are read once per person and round: a tool handing over many reports
        // at once names the same person in each.
        var people: [PersonCredential: Result<Person, PeopleError>] = [:]
        for _ in 0..<256 {
            guard let message = try? operatorSocket.receive(dontWait: true, maxFrames: 3) else { break }
            guard message.frames.count >= 2 else { continue }
            let routing = message.frames[0]
            let request: OperatorRequest
            do throws(Problem) {
                guard let parts = message.unpacked(routed: true, maxParts: 8) else {
                    throw Problem(.unsupportedProtocol, field: "message", "expected one packed KNP1 frame")
                }
                request = try OperatorRequest.decode(parts)
            } catch {
                reply(routing, error: error)
                continue
            }
            switch request {
            case .publish(let document, let publishOptions):
                if let prepared = prepare(routing, document, publishOptions, after: batch, people: &people) {
                    batch.append(prepared)
                }
            case .report(let id):
                var state =
                    (try? store.state(of: id))?.json ?? ["id": .string(id.rawValue), "state": "unknown"]
                // The police sees its own labels on its own reports (they never leave this store).
                if organisation == .police, let labels = try? store.policeLabels(of: id), !labels.isEmpty,
                    var object = state.objectValue
                {
                    object["policeLabels"] = .array(labels.map { .string($0) })
                    state = .object(object)
                }
                reply(routing, .reportState(state))
            case .status:
                reply(routing, .status(statusJSON()))
            case .picture:
                reply(routing, .picture(pictureJSON()))
            case .signalOpen(let id, let openOptions):
                if let prepared = openSignal(routing, id, openOptions, after: batch, people: &people) {
                    batch.append(prepared)
                }
            }
        }
        enqueue(batch)
    }

    /// A report checked, sealed and ready to be stored, with what only the daemon keeps.
    struct PendingPublish {
        let routing: [UInt8]
        let prepared: PreparedReport
        let type: ReportType
        /// Police-internal labels, kept in our store with the report, never in it.
        let policeLabels: [PoliceLabel]
        /// Who published it (user name), for the log.
        let person: String
        /// For a read record: the signal's content, answered (as SIGNAL) once the record is
        /// stored, instead of QUEUED; nobody waits for the node's answer to it.
        var opened: JSONValue? = nil
        var item: QueuedReport { prepared.item }
    }

    /// Checks and seals one PUBLISH; answers refusals itself and returns nil for them.
    private func prepare(
        _ routing: [UInt8], _ body: [UInt8], _ publishOptions: PublishOptions, after batch: [PendingPublish],
        people known: inout [PersonCredential: Result<Person, PeopleError>]
    ) -> PendingPublish? {
        let policeLabels: [PoliceLabel]
        do {
            policeLabels = try policeInternal.labels(publishOptions.policeLabels, for: organisation)
        } catch {
            reply(routing, error: error)
            return nil
        }
        var document: ReportDocument
        do {
            document = try documentCodec.decode(try DocumentReader.read(body))
        } catch {
            reply(routing, problems: error)
            return nil
        }
        // A read record names who opened a signal: only SIGNALOPEN writes one, for the person it
        // checked. One handed in by PUBLISH could name anyone in the node's audit log.
        guard document.body.type != .signalRead else {
            reply(
                routing,
                error: Problem(
                    .notPermitted, field: "type",
                    "a signalRead record is made by this daemon when a person opens a signal (knooppunt signal show), never published"
                ))
            return nil
        }
        guard
            let person = person(
                publishing: document.body.type, publishOptions.credential, routing, known: &known)
        else {
            return nil
        }
        // The person who published is the author (and the one who acknowledges), whatever
        // the document said: the name in the signed envelope is one this daemon checked.
        document.author = Self.author(person, scripted: document.exercise ? document.author : nil)
        if case .ack(var acknowledgement) = document.body {
            acknowledgement.by = document.author ?? person.author
            document.body = .ack(acknowledgement)
        }
        if case .signalAck(var acknowledgement) = document.body {
            acknowledgement.by = document.author ?? person.author
            document.body = .signalAck(acknowledgement)
        }
        if case .signalFollowUp(var followUp) = document.body {
            followUp.by = document.author ?? person.author
            document.body = .signalFollowUp(followUp)
        }
        switch submits.prepare(
            document, again: publishOptions.again, after: batch.map(\.prepared), wall: Self.wallClock())
        {
        case .known(let id, let originSeq):
            // The same report handed over again (a retry): answer with what we know.
            waiting.wait(routing, for: id, replacing: true)
            reply(routing, .queued(id, originSeq: originSeq))
            return nil
        case .duplicate(let previous):
            reply(
                routing,
                error: Problem(
                    .duplicateSubmission, field: "$",
                    "the same report was handed over less than \(options.duplicateWindow) ago as \(previous); send it again with --again if you mean to"
                ),
                detail: ["previous": .string(previous.rawValue)])
            return nil
        case .full:
            reply(
                routing,
                error: Problem(
                    .outboxFull, field: "outbox",
                    "the outbox holds \(outbox.limits.capacity) unsent reports; the national node may be unreachable"
                ))
            return nil
        case .ready(let prepared):
            return PendingPublish(
                routing: routing, prepared: prepared, type: document.body.type, policeLabels: policeLabels,
                person: person.username)
        }
    }

    /// The author a report gets: the person who published it. An exercise report keeps the
    /// role its script plays in front ("Operationeel Leider VR09 · Oefenscript (oefenscript)"),
    /// so the exercise's timeline reads like the day it plays, and still names who sent it.
    static func author(_ person: Person, scripted: String?) -> String {
        guard let scripted = scripted?.trimmingCharacters(in: .whitespaces), !scripted.isEmpty,
            scripted != person.author
        else { return person.author }
        let suffix = " · " + person.author
        return String(scripted.prefix(max(0, DocumentLimits.nameCharacters - suffix.count))) + suffix
    }

    /// The person behind a PUBLISH, if they are one of this organisation's people and their
    /// role allows `type`; otherwise answers the refusal (E800–E805) and returns nil.
    func person(
        publishing type: ReportType, _ credential: PersonCredential?, _ routing: [UInt8],
        known: inout [PersonCredential: Result<Person, PeopleError>]
    ) -> Person? {
        guard let credential else {
            reply(
                routing,
                error: Problem(
                    .notSignedIn, field: "person",
                    "\(organisation)'s daemon accepts reports only from its own people: publish with --token-file or --user (see knooppunt users)"
                ))
            return nil
        }
        let outcome: Result<Person, PeopleError>
        do {
            outcome = try known[credential] ?? people.authenticate(credential, now: Self.wallClock())
            known[credential] = outcome
        } catch {
            reply(
                routing,
                error: Problem(
                    .storageFailure, field: "person", "cannot read the accounts of \(organisation)"))
            return nil
        }
        switch outcome {
        case .failure(let refusal):
            reply(routing, error: Problem(refusal.code, field: "person", refusal.message))
            return nil
        case .success(let person):
            if let refusal = RolePolicy.check(person.role, RolePolicy.action(publishing: type)) {
                reply(routing, error: Problem(refusal.code, field: "person", refusal.message))
                return nil
            }
            return person
        }
    }

    /// Stores a batch (one fsync), then queues it and answers "queued".
    private func enqueue(_ batch: [PendingPublish]) {
        guard !batch.isEmpty else { return }
        do {
            var labels: [ReportID: [PoliceLabel]] = [:]
            for pending in batch where !pending.policeLabels.isEmpty {
                labels[pending.item.id] = pending.policeLabels
            }
            try submits.enqueue(batch.map(\.prepared)) { [store] prepared in
                try store.enqueue(prepared.map { ($0.item, $0.document, $0.bodyHash) }, policeLabels: labels)
            }
        } catch {
            for pending in batch {
                reply(
                    pending.routing,
                    error: Problem(.storageFailure, field: "outbox", "could not store the report: \(error)"))
            }
            return
        }
        for pending in batch {
            let item = pending.item
            if let opened = pending.opened {
                reply(pending.routing, .signal(Self.openedAnswer(opened, read: item)))
                logger.notice(
                    "signal opened",
                    metadata: [
                        "signal.read": "\(item.id)", "origin.seq": "\(item.originSeq)",
                        "person": "\(pending.person)",
                    ])
                continue
            }
            waiting.wait(pending.routing, for: item.id, replacing: true)
            reply(pending.routing, .queued(item.id, originSeq: item.originSeq))
            logger.info(
                "report queued",
                metadata: [
                    "report.id": "\(item.id)", "origin.seq": "\(item.originSeq)",
                    "type": "\(pending.type.rawValue)", "person": "\(pending.person)",
                ])
        }
        flushOutbox()
    }

    /// Tells the publisher waiting for `id` (once).
    func notify(_ id: ReportID, _ response: OperatorResponse) {
        for routing in waiting.take(id) {
            _ = try? operatorSocket.sendPacked(response.encode(), routing: routing, dontWait: true)
        }
    }

    func reply(_ routing: [UInt8], _ response: OperatorResponse) {
        _ = try? operatorSocket.sendPacked(response.encode(), routing: routing, dontWait: true)
    }

    func reply(_ routing: [UInt8], error problem: Problem, detail: [String: JSONValue] = [:]) {
        reply(routing, .error(OperatorRefusal(problem, detail: detail)))
    }

    func reply(_ routing: [UInt8], problems: Problems) {
        reply(routing, .error(OperatorRefusal(problems)))
    }
}
