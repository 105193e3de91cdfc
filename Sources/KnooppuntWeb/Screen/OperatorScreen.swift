import Foundation
import Hummingbird
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON

/// The regional operator's screen: compose a sitrep in the BOB structure (checked by the
/// same codec the node uses, every problem shown at its field), follow its delivery
/// (queued → accepted seq N → acknowledged by …), and see the national picture as the
/// organisation sees it with the threat level in force for the region.
///
/// People log in with their account of the organisation (``PeopleGate``); a report carries
/// the signed-in person as its author. It serves on loopback; requests with a foreign Host or
/// Origin are refused (``RequestGuard``).
public struct OperatorScreen: Sendable {
    public let backend: any OperatorScreenBackend
    public let gate: PeopleGate
    public let host: String
    public let port: Int
    let logger: Logger
    let onStarted: @Sendable (Int) -> Void
    /// Largest document accepted (the protocol's document limit).
    let maxRequestBytes = DocumentLimits.documentBytes
    /// The incident ids this screen handed out, so two incidents opened before the first is
    /// in the picture never share an id.
    let issued = IssuedIncidentIDs()
    /// Reports that left the picture, to title acknowledgement requests about them.
    let subjects = SubjectMemory()
    /// The police-internal labels the police's screen offers (the policy's
    /// `policeInternal.labels`); empty elsewhere.
    public var policeLabels: [String] = []
    /// The data folder whose network.json the screen follows while it runs (nil: it keeps the
    /// organisations it started with).
    public var networkFolder: DataFolder?
    /// The signal policy the "Signalen" page offers and checks before the node does.
    public var signalPolicy: SignalPolicy = .builtIn
    /// What each party's daemon applied (the node's board), where this host can ask the node;
    /// nil leaves a signal's delivery unknown until a recipient answers.
    public var signalDelivery: (@Sendable () -> [OrganisationCode: SequenceNumber]?)?

    public init(
        backend: any OperatorScreenBackend, gate: PeopleGate, port: Int, host: String = "127.0.0.1",
        logger: Logger,
        onStarted: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.backend = backend
        self.gate = gate
        self.port = port
        self.host = host
        self.logger = logger
        self.onStarted = onStarted
    }

    /// Serves until cancelled or, inside a `ServiceGroup`, until graceful shutdown.
    public func run() async throws {
        MetricsEndpoint.bootstrap()
        let port = BoundPort(self.port)
        let router = makeRouter(bound: port)
        let logger = self.logger
        let onStarted = self.onStarted
        let organisation = backend.organisation
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: self.port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                port.set(bound)
                logger.info(
                    "operator screen serving",
                    metadata: ["org": "\(organisation)", "http.url": "http://127.0.0.1:\(bound)/"])
                onStarted(bound)
            }, logger: logger)
        guard let networkFolder else { return try await app.run() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            group.addTask { try await Self.followNetwork(networkFolder, logger: logger) }
            // The server ends (graceful shutdown); the watch of the file ends with it.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    func makeRouter(bound: BoundPort) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(APIErrorMiddleware(logger: logger))
        router.middlewares.add(RequestGuard(host: host, port: bound))
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(SignInGuard(gate: gate))
        LoginRoutes.add(to: router, gate: gate, screen: .operatorScreen)
        let gate = self.gate
        let organisation = backend.organisation
        let pages = HTTPReply.pages { ScreenPage.html(for: organisation, language: $0) }
        router.get("/") { request, _ in HTTPReply.page(pages, for: request) }
        WebAssets.add(
            [
                "knooppunt.css", "common.js", "map.js", "screen.js", "screen-incident.js", "screen-map.js",
                "screen-threat.js", "municipalities.json",
            ], to: router)
        router.get("favicon.ico") { _, _ in HTTPReply.bytes([], type: "image/x-icon", status: .noContent) }
        ReportRoute.add(to: router, reader: backend.organisation) { try await picture().digest }
        let api = router.group("api/v1")
        api.get("status") { _, _ in HTTPReply.json(try await status()) }
        let labels = policeLabels
        api.get("police-labels") { _, _ in HTTPReply.json(["labels": .array(labels.map(JSONValue.string))]) }
        api.get("picture") { _, _ in HTTPReply.json(try await picture().json) }
        api.post("validate") { request, _ in
            let document = try await request.jsonBody(limit: maxRequestBytes)
            _ = try validate(document)
            return HTTPReply.json(["valid": true])
        }
        api.post("sitreps") { request, _ in
            let person = try await gate.require(request, .publishOwn)
            return try await publish(request, by: person, as: gate.credential(request))
        }
        // An operator acknowledges a message that must land: `{"subject", "note"?, "exercise"?}`;
        // the signed-in person is the one who acknowledges.
        api.post("acks") { request, _ in
            let person = try await gate.require(request, .giveAcknowledgement)
            let body = try await request.jsonBody(limit: maxRequestBytes).naming(person)
            return try await publish(document: try DeskWrites.ack(body), as: gate.credential(request))
        }
        addIncidentRoutes(to: api)
        addThreatStepRoutes(to: api)
        addSignalRoutes(to: router, api: api)
        api.get("reports/:id") { _, context in
            HTTPReply.json(try await report(try context.parameters.reportID()))
        }
        let backend = self.backend
        MetricsRoutes.add(to: router) {
            // Readiness is asked synchronously; the screen is ready when it serves, and the
            // page itself says when the daemon does not answer.
            (true, "serving the screen of \(backend.organisation)")
        }
        return router
    }

    // MARK: Routes

    private func status() async throws -> JSONValue {
        let organisation = backend.organisation
        var object: [String: JSONValue] = [
            "organisation": .string(organisation.rawValue),
            "name": .string(ReferenceData.builtIn.regions[organisation]?.name ?? organisation.rawValue),
            "now": .integer(Timestamp.nowMilliseconds()),
            "audiences": Self.audiences(.installed),
        ]
        do {
            object["daemon"] = try await backend.status()
            object["reachable"] = true
        } catch {
            object["reachable"] = false
            object["problem"] = .string("\(error)")
        }
        return .object(object)
    }

    /// The picture as this organisation sees it, with the region's own threat level.
    func picture() async throws -> ScreenPicture {
        picture(from: try await rawPicture())
    }

    /// The daemon's PICTURE answer as it is.
    func rawPicture() async throws -> JSONValue {
        do {
            return try await backend.picture()
        } catch {
            throw APIError(
                .serviceUnavailable, .daemonUnreachable,
                "the daemon of \(backend.organisation) does not answer: \(error)")
        }
    }

    func picture(from raw: JSONValue) -> ScreenPicture {
        let entries = (raw["entries"]?.arrayValue ?? []).compactMap(DigestEntry.init(json:))
        let sequence = raw["sequence"]?.integerValue.map { SequenceNumber(max(0, $0)) } ?? 0
        let now = Timestamp.nowMilliseconds()
        return ScreenPicture(
            organisation: backend.organisation,
            digest: PictureDigest(
                entries: entries, sequence: sequence, now: now, remembered: subjects.remember(entries)))
    }

    private func validate(_ document: JSONValue) throws -> ReportDocument {
        do {
            return try DocumentCodec().decode(document)
        } catch {
            throw APIError.invalid(error)
        }
    }

    /// Publishes the body as `person`: the signed-in person is the author, whatever the
    /// document says.
    private func publish(
        _ request: Request, by person: Person, as credential: PersonCredential?
    ) async throws -> Response {
        var body = try await request.jsonBody(limit: maxRequestBytes)
        // The police's screen sends its labels beside the document; they are no part of it.
        var labels: [String] = []
        if var object = body.objectValue, let list = object.removeValue(forKey: "policeLabels") {
            labels = list.arrayValue?.compactMap(\.stringValue) ?? []
            body = .object(object)
        }
        var document = try validate(body)
        document.author = person.author
        return HTTPReply.json(
            try await hand(document, policeLabels: labels, as: credential), status: .accepted)
    }

    func publish(document: ReportDocument, as credential: PersonCredential?) async throws -> Response {
        HTTPReply.json(try await hand(document, as: credential), status: .accepted)
    }

    /// Hands one document to the daemon's outbox; the answer `{"id", "state": "queued",
    /// "originSeq", "type"}`, or the daemon's refusal as an ``APIError``.
    func hand(
        _ document: ReportDocument, policeLabels: [String] = [], as credential: PersonCredential?
    ) async throws -> JSONValue {
        guard let credential else {
            throw APIError(
                .unauthorized, .notSignedIn, "not signed in: log in at /login, or send a personal API token")
        }
        let codec = DocumentCodec()
        let result: OperatorPublishResult
        do {
            result = try await backend.publish(
                JSONWriter.canonical(codec.encode(document)), policeLabels: policeLabels, as: credential)
        } catch {
            throw APIError(
                .serviceUnavailable, .daemonUnreachable,
                "the daemon of \(backend.organisation) does not answer; nothing was sent: \(error)")
        }
        switch result {
        case .queued(let id, let originSeq):
            logger.info(
                "operator handed over a report",
                metadata: [
                    "report.id": "\(id)", "person": "\(document.author ?? "-")",
                    "org": "\(backend.organisation)",
                ])
            return [
                "id": .string(id.rawValue), "state": "queued", "originSeq": .integer(Int64(originSeq)),
                "type": .string(document.body.type.rawValue),
            ]
        case .refused(let code, let message, let detail):
            let status: HTTPResponse.Status =
                switch code {
                case .outboxFull: .serviceUnavailable
                case .notSignedIn, .badCredentials, .sessionExpired: .unauthorized
                case .lockedOut, .accountDisabled, .roleNotPermitted: .forbidden
                default: .unprocessableContent
                }
            var error = APIError(status, code, message)
            error.detail = detail.objectValue ?? [:]
            throw error
        }
    }

    /// Where a report stands, with who has acknowledged it so far.
    private func report(_ id: ReportID) async throws -> JSONValue {
        let state: JSONValue?
        do {
            state = try await backend.reportState(id)
        } catch {
            throw APIError(.serviceUnavailable, .daemonUnreachable, "the daemon does not answer: \(error)")
        }
        guard var object = state?.objectValue, object["state"]?.stringValue != "unknown" else {
            throw APIError(
                .notFound, .unknownReport, "the daemon of \(backend.organisation) has no report \(id)")
        }
        let board = (try? await picture())?.digest.acknowledgements.first { $0.subject == id.rawValue }
        if let board {
            object["acknowledgedBy"] = .array(
                board.parties.filter { $0.state == .acknowledged }.map {
                    ["code": .string($0.code), "by": $0.by.map(JSONValue.string) ?? .null]
                })
            object["waitingFor"] = .array(
                board.parties.filter { $0.state != .acknowledged }.map { .string($0.code) })
        }
        return .object(object)
    }
}

/// The picture an operator screen shows: the national picture in the organisation's view,
/// and what concerns the organisation itself.
struct ScreenPicture {
    let organisation: OrganisationCode
    let digest: PictureDigest

    var json: JSONValue {
        var own = JSONObject()
        own["organisation"] = organisation.rawValue
        if let region = digest.region(organisation) {
            own.set("region", region.json)
            own.set("threatLevel", region.threatLevel)
            own["threatLevelName"] = region.threatLevel.flatMap {
                ReferenceData.builtIn.threatLevels[$0]?.name
            }
            own["threatArea"] = region.threatArea
            let threat = digest.threats.first { $0.area == region.threatArea && $0.inForce && !$0.exercise }
            own["actionAdvice"] = threat?.actionAdvice
            own["threatStep"] = threat?.step
        }
        let requests = digest.acknowledgements.filter { request in
            request.parties.contains { $0.code == organisation.rawValue }
        }
        own.set("acknowledgementRequests", .array(requests.map(\.json)))
        return [
            "sequence": .integer(Int64(digest.sequence)), "now": .integer(digest.now),
            "nowText": .string(AmsterdamTime.text(digest.now)),
            "own": own.value, "regions": .array(digest.regions.map(\.json)),
            "incidents": .array(digest.incidents.map { $0.json(full: false) }),
            "threats": .array(digest.threats.map(\.json)),
            "exerciseEntries": .integer(Int64(digest.exerciseEntries)),
        ]
    }
}
