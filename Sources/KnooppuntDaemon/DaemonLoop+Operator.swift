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

// The operator socket (docs/PROTOCOL.md §11): PUBLISH, REPORT, STATUS and PICTURE.

extension DaemonLoop {

    func serveOperator() {
        // Reports handed over in one round are stored in one transaction (one fsync).
        var batch: [PreparedReport] = []
        // The accounts are read once per person and round: a tool handing over many reports
        // at once names the same person in each.
        var people: [PersonCredential: Result<Person, PeopleError>] = [:]
        for _ in 0..<256 {
            guard let message = try? operatorSocket.receive(dontWait: true, maxFrames: 3) else { break }
            guard message.frames.count >= 2 else { continue }
            let routing = message.frames[0]
            guard let parts = message.unpacked(routed: true, maxParts: 8), parts.count >= 2,
                parts[0] == protocolSignature
            else {
                reply(
                    routing,
                    error: Problem(.unsupportedProtocol, field: "message", "expected one packed KNP1 frame"))
                continue
            }
            let body = Array(parts[2...])
            switch OperatorCommand(rawValue: String(decoding: parts[1], as: UTF8.self)) {
            case .publish:
                if let prepared = prepare(routing, body, after: batch, people: &people) {
                    batch.append(prepared)
                }
            case .report:
                guard let text = body.first, let id = ReportID(String(decoding: text, as: UTF8.self)) else {
                    reply(routing, error: Problem(.invalidID, field: "report", "not a report id"))
                    continue
                }
                var state =
                    (try? store.state(of: id))?.json ?? ["id": .string(id.rawValue), "state": "unknown"]
                // The police sees its own labels on its own reports (they never leave this store).
                if organisation == .police, let labels = try? store.policeLabels(of: id), !labels.isEmpty,
                    var object = state.objectValue
                {
                    object["policeLabels"] = .array(labels.map { .string($0) })
                    state = .object(object)
                }
                reply(routing, OperatorReply.reportState, [JSONWriter.canonical(state)])
            case .status:
                reply(routing, OperatorReply.status, [JSONWriter.canonical(statusJSON())])
            case .picture:
                reply(routing, OperatorReply.picture, [JSONWriter.canonical(pictureJSON())])
            case nil:
                reply(routing, error: Problem(.unknownCommand, field: "command", "unknown command"))
            }
        }
        enqueue(batch)
    }

    /// A report checked, sealed and ready to be stored.
    private struct PreparedReport {
        let routing: [UInt8]
        let item: QueuedReport
        let document: [UInt8]
        let bodyHash: String
        let type: ReportType
        /// Police-internal labels, kept in our store with the report, never in it.
        let policeLabels: [PoliceLabel]
        /// Who published it (user name), for the log.
        let person: String
    }

    /// Checks and seals one PUBLISH; answers refusals itself and returns nil for them.
    private func prepare(
        _ routing: [UInt8], _ body: [[UInt8]], after batch: [PreparedReport],
        people known: inout [PersonCredential: Result<Person, PeopleError>]
    ) -> PreparedReport? {
        guard body.count == 2 else {
            reply(
                routing,
                error: Problem(.wrongFrameCount, field: "PUBLISH", "PUBLISH takes a document and options"))
            return nil
        }
        let publishOptions = try? JSONParser.parse(body[1])
        let again = publishOptions?["again"]?.boolValue ?? false
        let policeLabels: [PoliceLabel]
        do {
            policeLabels = try policeInternal.labels(
                (publishOptions?["policeLabels"]?.arrayValue ?? []).compactMap(\.stringValue),
                for: organisation)
        } catch {
            reply(routing, error: error)
            return nil
        }
        var document: ReportDocument
        do {
            document = try documentCodec.decode(try DocumentReader.read(body[0]))
        } catch {
            reply(routing, problems: error)
            return nil
        }
        guard
            let person = person(
                publishing: document.body.type, publishOptions?["person"], routing, known: &known)
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
        let canonical = JSONWriter.canonical(documentCodec.encode(document))
        var withoutID = document
        withoutID.id = nil
        let bodyHash = Hex.encode(SHA256.hash(data: JSONWriter.canonical(documentCodec.encode(withoutID))))
        let wall = Self.wallClock()
        if let id = document.id {
            let known =
                (try? store.state(of: id))?.originSeq ?? batch.first { $0.item.id == id }?.item.originSeq
            if let known {
                // The same report handed over again (a retry): answer with what we know.
                waiting[id] = routing
                reply(routing, OperatorReply.queued, [Array(id.rawValue.utf8), Array(String(known).utf8)])
                return nil
            }
        }
        if !again {
            let window = options.duplicateWindow.components.seconds * 1000
            let previous =
                (try? store.recentReport(bodyHash: bodyHash, since: wall - window))
                ?? batch.first { $0.bodyHash == bodyHash }?.item.id
            if let previous {
                reply(
                    routing,
                    error: Problem(
                        .duplicateSubmission, field: "$",
                        "the same report was handed over less than \(options.duplicateWindow) ago as \(previous); send it again with --again if you mean to"
                    ),
                    detail: ["previous": .string(previous.rawValue)])
                return nil
            }
        }
        guard outbox.backlog + batch.count < outbox.limits.capacity else {
            reply(
                routing,
                error: Problem(
                    .outboxFull, field: "outbox",
                    "the outbox holds \(outbox.limits.capacity) unsent reports; the national node may be unreachable"
                ))
            return nil
        }
        let id = document.id ?? ReportID.random(using: &random)
        let item = QueuedReport(
            report: SealedReport.seal(
                document, id: id, origin: organisation, originSeq: outbox.nextOriginSeq + UInt64(batch.count),
                created: nowTimestamp(), signingKey: secrets.signing, codec: documentCodec, random: &random),
            queuedAt: wall)
        return PreparedReport(
            routing: routing, item: item, document: canonical, bodyHash: bodyHash, type: document.body.type,
            policeLabels: policeLabels, person: person.username)
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
    private func person(
        publishing type: ReportType, _ json: JSONValue?, _ routing: [UInt8],
        known: inout [PersonCredential: Result<Person, PeopleError>]
    ) -> Person? {
        guard let credential = PersonCredential(json: json) else {
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
    private func enqueue(_ batch: [PreparedReport]) {
        guard !batch.isEmpty else { return }
        do {
            var labels: [ReportID: [PoliceLabel]] = [:]
            for prepared in batch where !prepared.policeLabels.isEmpty {
                labels[prepared.item.id] = prepared.policeLabels
            }
            try store.enqueue(batch.map { ($0.item, $0.document, $0.bodyHash) }, policeLabels: labels)
        } catch {
            for prepared in batch {
                reply(
                    prepared.routing,
                    error: Problem(.storageFailure, field: "outbox", "could not store the report: \(error)"))
            }
            return
        }
        for prepared in batch {
            let item = prepared.item
            precondition(outbox.enqueue(item), "capacity was checked when the report was prepared")
            if waiting.count >= options.maxWaitingPublishers { waiting.removeAll() }
            waiting[item.id] = prepared.routing
            reply(
                prepared.routing, OperatorReply.queued,
                [Array(item.id.rawValue.utf8), Array(String(item.originSeq).utf8)])
            logger.info(
                "report queued",
                metadata: [
                    "report.id": "\(item.id)", "origin.seq": "\(item.originSeq)",
                    "type": "\(prepared.type.rawValue)", "person": "\(prepared.person)",
                ])
        }
        flushOutbox()
    }

    func notify(_ id: ReportID, _ frames: [[UInt8]]) {
        guard let routing = waiting.removeValue(forKey: id) else { return }
        _ = try? operatorSocket.sendPacked([protocolSignature] + frames, routing: routing, dontWait: true)
    }

    func reply(_ routing: [UInt8], _ command: String, _ frames: [[UInt8]]) {
        _ = try? operatorSocket.sendPacked(
            [protocolSignature, Array(command.utf8)] + frames, routing: routing, dontWait: true)
    }

    func reply(_ routing: [UInt8], error problem: Problem, detail: JSONValue = [:]) {
        reply(routing, problems: Problems(problem), detail: detail)
    }

    func reply(_ routing: [UInt8], problems: Problems, detail: JSONValue = [:]) {
        var object = detail.objectValue ?? [:]
        object["problems"] = .array(
            problems.problems.map {
                [
                    "code": .integer(Int64($0.code.rawValue)), "name": .string($0.code.name),
                    "field": .string($0.field), "message": .string($0.message),
                ]
            })
        reply(
            routing, OperatorReply.error,
            [
                Array(String(problems.first.code.rawValue).utf8), Array(problems.first.message.utf8),
                JSONWriter.canonical(.object(object)),
            ])
    }
}
