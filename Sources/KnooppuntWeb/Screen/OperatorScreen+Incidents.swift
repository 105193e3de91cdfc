import Hummingbird
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Synchronization

// The whole incident from the operator screen: open it, change GRIP (with the node's advice),
// publish measures for its municipalities, close it. Every write is a report document that
// goes to the daemon's outbox as the signed-in person (the same path as the screen's sitreps),
// built and checked by ``IncidentRequests`` with the codec of `knooppunt publish`.

extension OperatorScreen {
    func addIncidentRoutes(to api: RouterGroup<BasicRequestContext>) {
        let gate = self.gate
        let organisation = backend.organisation
        let limit = maxRequestBytes
        api.get("municipalities") { request, _ in
            let all = request.uri.queryParameters.get("all") == "true"
            return HTTPReply.json(IncidentRequests.municipalities(of: organisation, all: all))
        }
        // Where a point on the map lies: `?lat=&lon=` (and `municipality=GM…`: whether the
        // point lies in it, by the rule `incidents/open` applies) for the page's own words.
        api.get("municipalities/at") { request, _ in
            let query = request.uri.queryParameters
            guard let lat = query.get("lat").flatMap(Double.init),
                let lon = query.get("lon").flatMap(Double.init),
                (-90...90).contains(lat), (-180...180).contains(lon)
            else {
                throw APIError(.badRequest, .outOfRange, "give lat and lon in degrees (WGS84)")
            }
            return HTTPReply.json(
                IncidentRequests.place(GeoPoint(latitude: lat, longitude: lon), in: query.get("municipality"))
            )
        }
        api.post("incidents/open") { request, _ in
            let person = try await gate.require(request, .publishOwn)
            let body = try await request.jsonBody(limit: limit)
            let digest = try await picture().digest
            // The daemon's own store: every incident it was handed lately, also those still
            // queued or refused (not in the picture), so a restart never repeats an id.
            let held = try await handedOver()
            let now = Timestamp.nowMilliseconds()
            let (id, document) = try issued.reserve(picture: Set(digest.incidents.map(\.id)).union(held)) {
                taken throws(APIError) in
                let id = try IncidentRequests.nextID(organisation, now: now, taken: taken)
                return (
                    id,
                    try IncidentRequests.open(
                        body, organisation: organisation, author: person.author, id: id, now: now)
                )
            }
            var answer = try await hand(document, as: gate.credential(request)).objectValue ?? [:]
            answer["incident"] = .string(id.rawValue)
            return HTTPReply.json(.object(answer), status: .accepted)
        }
        api.post("incidents/:id/grip") { request, context in
            let person = try await gate.require(request, .publishOwn)
            let body = try await request.jsonBody(limit: limit)
            let incident = try await known(context, exercise: body["exercise"]?.boolValue ?? false)
            let document = try IncidentRequests.grip(
                body, incident: try incidentID(context), advice: incident.gripAdvice, author: person.author,
                now: Timestamp.nowMilliseconds())
            return try await publish(document: document, as: gate.credential(request))
        }
        api.post("incidents/:id/measures") { request, context in
            let person = try await gate.require(request, .publishOwn)
            let body = try await request.jsonBody(limit: limit)
            let incident = try await known(context, exercise: body["exercise"]?.boolValue ?? false)
            let documents = try IncidentRequests.measures(
                body, incident: try incidentID(context), municipality: incident.municipality,
                author: person.author)
            var reports: [JSONValue] = []
            for document in documents {
                var answer = try await hand(document, as: gate.credential(request)).objectValue ?? [:]
                if case .measure(let measures) = document.body {
                    answer["municipality"] = .string(measures.municipality.rawValue)
                }
                reports.append(.object(answer))
            }
            return HTTPReply.json(["reports": .array(reports)], status: .accepted)
        }
        api.post("incidents/:id/close") { request, context in
            let person = try await gate.require(request, .publishOwn)
            let body = try await request.jsonBody(limit: limit)
            let exercise = body["exercise"]?.boolValue ?? false
            let id = try incidentID(context)
            let raw = try await rawPicture()
            let entry = (raw["entries"]?.arrayValue ?? []).first {
                $0["report"]?["envelope"]?["type"]?.stringValue == "incident"
                    && $0["report"]?["envelope"]?["incident"]?.stringValue == id.rawValue
                    && ($0["report"]?["envelope"]?["exercise"]?.boolValue ?? false) == exercise
            }
            guard let entry else { throw unknown(id) }
            if entry["report"]?["sections"]?["incident"]?["status"]?.stringValue == "closed" {
                throw APIError(.conflict, .incidentConflict, "incident \(id) is already closed")
            }
            let document = try IncidentRequests.close(entry, author: person.author)
            return try await publish(document: document, as: gate.credential(request))
        }
    }

    /// The incident ids the daemon's outbox holds from the last days (its STATUS answer's
    /// `outbox.recentIncidents`). A daemon that does not say refuses the opening: an id
    /// reserved in this screen's memory alone could be handed out again after a restart.
    private func handedOver() async throws -> Set<String> {
        let status: JSONValue
        do {
            status = try await backend.status()
        } catch {
            throw APIError(
                .serviceUnavailable, .daemonUnreachable,
                "the daemon of \(backend.organisation) does not answer: \(error)")
        }
        guard let ids = status["outbox"]?["recentIncidents"]?.arrayValue else {
            throw APIError(
                .serviceUnavailable, .daemonUnreachable,
                "the daemon of \(backend.organisation) does not say which incident ids it holds (an older daemon, or its store cannot be read)"
            )
        }
        return Set(ids.compactMap(\.stringValue))
    }

    private func incidentID(_ context: BasicRequestContext) throws -> IncidentID {
        let text = context.parameters.get("id") ?? ""
        guard let id = IncidentID(text) else {
            throw APIError(.badRequest, .invalidID, "\(text.prefix(80)) is not an incident id")
        }
        return id
    }

    /// The incident as this organisation's picture holds it; 404 when it has none.
    private func known(_ context: BasicRequestContext, exercise: Bool) async throws -> PictureDigest.Incident
    {
        let id = try incidentID(context)
        let digest = try await picture().digest
        guard
            let incident = digest.incidents.first(where: { $0.id == id.rawValue && $0.exercise == exercise })
        else { throw unknown(id) }
        return incident
    }

    private func unknown(_ id: IncidentID) -> APIError {
        APIError(
            .notFound, .unknownIncident,
            "the picture of \(backend.organisation) has no incident \(id) (open it first, or wait until it is accepted)"
        )
    }
}

/// The incident ids one screen handed out (see ``OperatorScreen/issued``).
final class IssuedIncidentIDs: Sendable {
    private let ids = Mutex(Set<String>())

    /// Runs `make` with every id taken (in the picture or handed out here) and keeps the id it
    /// returns, in one step, so two requests at once never get the same id.
    func reserve(
        picture: Set<String>, _ make: (Set<String>) throws(APIError) -> (IncidentID, ReportDocument)
    ) throws(APIError) -> (IncidentID, ReportDocument) {
        try ids.withLock { (ids: inout Set<String>) throws(APIError) -> (IncidentID, ReportDocument) in
            let made = try make(ids.union(picture))
            ids.insert(made.0.rawValue)
            return made
        }
    }
}
