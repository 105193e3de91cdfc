import Hummingbird
import HummingbirdWebSocket
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import Logging
import Metrics
import StrictJSON

/// The desk's JSON API under `/api/v1` (docs/openapi.yaml). Reads answer from the latest
/// published state; writes need a signed-in desk officer (session or personal token), who is
/// named as the report's author.
struct DeskRoutes: Sendable {
    let backend: any DeskBackend
    let gate: PeopleGate
    let settings: DeskServer.Settings
    let logger: Logger

    typealias Context = BasicWebSocketRequestContext

    func add(to router: Router<Context>) {
        let api = router.group("api/v1")
        api.get("state") { _, _ in try HTTPReply.bytes(state().bytes, type: "application/json") }
        api.get("picture") { _, _ in try HTTPReply.json(picture(state())) }
        api.get("regions") { request, _ in
            let state = try state()
            let exercise = request.uri.queryParameters.get("exercise") == "true"
            let regions = exercise ? state.digest.exerciseRegions : state.digest.regions
            return HTTPReply.json(envelope(state, ["regions": .array(regions.map(\.json))]))
        }
        api.get("incidents") { request, _ in
            let state = try state()
            let filter = request.uri.queryParameters.get("exercise")
            let incidents = state.digest.incidents.filter { incident in
                switch filter {
                case "true": incident.exercise
                case "all": true
                default: !incident.exercise
                }
            }
            return HTTPReply.json(
                envelope(state, ["incidents": .array(incidents.map { $0.json(full: false) })]))
        }
        api.get("incidents/:id") { request, context in
            let (state, incident) = try incident(request, context)
            return HTTPReply.json(envelope(state, ["incident": incident.json(full: true)]))
        }
        api.get("incidents/:id/sitreps") { request, context in
            let (state, incident) = try incident(request, context)
            return HTTPReply.json(
                envelope(
                    state,
                    ["incident": .string(incident.id), "sitreps": .array(incident.sitreps.map(\.json))]))
        }
        api.get("threats") { _, _ in
            let state = try state()
            return HTTPReply.json(envelope(state, ["threats": .array(state.digest.threats.map(\.json))]))
        }
        api.get("acknowledgements") { _, _ in
            let state = try state()
            return HTTPReply.json(
                envelope(state, ["acknowledgements": .array(state.digest.acknowledgements.map(\.json))]))
        }
        // Signals about persons: counts and states, never content (``SignalsDesk``).
        api.get("signal-board") { _, _ in
            let state = try state()
            return HTTPReply.json(
                envelope(
                    state,
                    SignalsDesk.json(
                        state.records, applied: state.applied, policy: settings.signalPolicy,
                        now: Timestamp.nowMilliseconds())))
        }
        api.get("liveness") { _, _ in
            let state = try state()
            return HTTPReply.json(envelope(state, ["liveness": state.liveness]))
        }
        api.get("reports/:id") { _, context in
            let id = try context.parameters.reportID()
            guard let known = await backend.reportState(id) else {
                throw APIError(.notFound, .unknownReport, "the desk did not write report \(id)")
            }
            return HTTPReply.json(known)
        }
        api.post("advice") { request, _ in
            let person = try await gate.require(request, .giveNationalAdvice)
            let body = try await request.jsonBody(limit: settings.maxRequestBytes).naming(person)
            let region = body["incident"]?.stringValue.flatMap { id in
                backend.feed.current?.digest.incidents.first { $0.id == id }?.region
            }
            let document = try DeskWrites.advice(body, region: region)
            return try await write(document, again: body["again"]?.boolValue ?? false, kind: "advice")
        }
        api.post("acks") { request, _ in
            let person = try await gate.require(request, .giveAcknowledgement)
            let body = try await request.jsonBody(limit: settings.maxRequestBytes).naming(person)
            let document = try DeskWrites.ack(body)
            return try await write(document, again: body["again"]?.boolValue ?? false, kind: "ack")
        }
        api.post("ack-requests") { request, _ in
            let person = try await gate.require(request, .requestAcknowledgement)
            let body = try await request.jsonBody(limit: settings.maxRequestBytes).naming(person)
            let now = backend.feed.current?.digest.now ?? 0
            let document = try DeskWrites.ackRequest(body, now: now)
            return try await write(document, again: body["again"]?.boolValue ?? false, kind: "ackRequest")
        }
    }

    // MARK: Reads

    private func state() throws -> DeskState {
        guard let state = backend.feed.current else {
            throw APIError(.serviceUnavailable, .nodeUnreachable, "the desk is starting")
        }
        return state
    }

    /// Every read answer says which picture it comes from.
    private func envelope(_ state: DeskState, _ fields: [String: JSONValue]) -> JSONValue {
        var object = fields
        object["sequence"] = .integer(Int64(state.digest.sequence))
        object["link"] = state.link.json
        return .object(object)
    }

    private func picture(_ state: DeskState) -> JSONValue {
        let digest = state.digest
        return envelope(
            state,
            [
                "regions": .array(digest.regions.map(\.json)),
                "exerciseRegions": .array(digest.exerciseRegions.map(\.json)),
                "incidents": .array(digest.incidents.map { $0.json(full: false) }),
                "threats": .array(digest.threats.map(\.json)),
                "acknowledgements": .array(digest.acknowledgements.map(\.json)),
                "measures": .array(digest.measures.map(\.json)),
                "alarms": .array(digest.alarms.map(\.json)),
                "measuresSideBySide": digest.measureComparison.json,
                "exerciseMeasuresSideBySide": digest.exerciseMeasureComparison.json,
                "exerciseEntries": .integer(Int64(digest.exerciseEntries)),
                "now": .integer(digest.now),
            ])
    }

    private func incident(
        _ request: Request, _ context: Context
    ) throws -> (DeskState, PictureDigest.Incident) {
        let state = try state()
        let id = context.parameters.get("id") ?? ""
        let exercise = request.uri.queryParameters.get("exercise") == "true"
        guard IncidentID(id) != nil else {
            throw APIError(.badRequest, .invalidID, "\(id.prefix(80)) is not an incident id")
        }
        guard let incident = state.digest.incident(id, exercise: exercise) else {
            throw APIError(
                .notFound, .unknownIncident,
                "incident \(id) is not in the \(exercise ? "exercise " : "")picture as of seq \(state.digest.sequence)"
            )
        }
        return (state, incident)
    }

    // MARK: Writes

    /// Queues the document, waits briefly for the node, and answers where it stands:
    /// 201 accepted (with its sequence), 202 queued, or the node's refusal.
    private func write(_ document: ReportDocument, again: Bool, kind: String) async throws -> Response {
        switch await backend.submit(document, again: again) {
        case .refused(let problem, let detail):
            Counter(
                label: "knooppunt_desk_writes_total", dimensions: [("kind", kind), ("outcome", "refused")]
            )
            .increment()
            let status: HTTPResponse.Status =
                switch problem.code {
                case .duplicateSubmission: .conflict
                case .outboxFull: .serviceUnavailable
                default: .internalServerError
                }
            var error = APIError(status, problem.code, problem.message)
            error.detail = detail.objectValue ?? [:]
            throw error
        case .queued(let id, let originSeq):
            logger.info(
                "desk officer wrote a report",
                metadata: ["report.id": "\(id)", "type": "\(kind)", "person": "\(document.author ?? "-")"])
            let outcome =
                await backend.outcome(of: id, within: settings.writeWait)
                ?? ["id": .string(id.rawValue), "state": "queued", "originSeq": .integer(Int64(originSeq))]
            let state = outcome["state"]?.stringValue ?? "queued"
            Counter(label: "knooppunt_desk_writes_total", dimensions: [("kind", kind), ("outcome", state)])
                .increment()
            var body = outcome.objectValue ?? [:]
            body["person"] = document.author.map(JSONValue.string) ?? .null
            body["type"] = .string(document.body.type.rawValue)
            if state == "rejected" {
                let code =
                    outcome["code"]?.integerValue.flatMap { ErrorCode(rawValue: Int($0)) } ?? .notPermitted
                var error = APIError(
                    .unprocessableContent, code, outcome["message"]?.stringValue ?? "refused by the node")
                error.detail = body
                throw error
            }
            return HTTPReply.json(.object(body), status: state == "accepted" ? .created : .accepted)
        }
    }
}
