import Dispatch
import Hummingbird
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON

// The operator screen's "Signalen" page (issue 18): signals about persons this organisation
// sent or received, with each recipient's state; send one by the signal policy; acknowledge
// and record the follow-up. Every write is a report document handed to the daemon as the
// signed-in person, like the screen's sitreps. The list carries no content: a person opens a
// signal's content on purpose (``OperatorScreen/openSignal(_:by:as:)``), so each read is theirs.

extension OperatorScreen {
    func addSignalRoutes(to router: Router<BasicRequestContext>, api: RouterGroup<BasicRequestContext>) {
        let gate = self.gate
        let organisation = backend.organisation
        let policy = signalPolicy
        let limit = maxRequestBytes
        let pages = HTTPReply.pages { SignalsPage.html(for: organisation, language: $0) }
        router.get("signalen") { request, _ in HTTPReply.page(pages, for: request) }
        WebAssets.add(["signals.js", "signals.css"], to: router)
        api.get("signals/options") { request, _ in
            _ = try await gate.require(request, .view)
            return HTTPReply.json(
                SignalsRequests.options(for: organisation, policy: policy, registry: .installed))
        }
        api.get("signals") { request, _ in
            _ = try await gate.require(request, .view)
            let signals = try await signalStates()
            return HTTPReply.json([
                "organisation": .string(organisation.rawValue), "now": .integer(Timestamp.nowMilliseconds()),
                "signals": .array(signals.map { SignalsRequests.listEntry($0, organisation: organisation) }),
            ])
        }
        api.get("signals/:id") { request, context in
            let person = try await gate.require(request, .view)
            return HTTPReply.json(
                try await openSignal(
                    try context.parameters.reportID(), by: person, as: gate.credential(request)))
        }
        api.post("signals") { request, _ in
            let person = try await gate.require(request, .publishOwn)
            let body = try await request.jsonBody(limit: limit)
            let document = try SignalsRequests.send(
                body, organisation: organisation, author: person.author, id: ReportID.random(),
                policy: policy, registry: .installed)
            return try await publish(document: document, as: gate.credential(request))
        }
        api.post("signals/:id/ack") { request, context in
            let person = try await gate.require(request, .giveAcknowledgement)
            let body = try await request.jsonBody(limit: limit)
            let signal = try await receivedSignal(try context.parameters.reportID())
            let document = try SignalsRequests.acknowledge(
                body, signal: signal, author: person.author, id: ReportID.random())
            return try await publish(document: document, as: gate.credential(request))
        }
        api.post("signals/:id/follow-up") { request, context in
            let person = try await gate.require(request, .publishOwn)
            let body = try await request.jsonBody(limit: limit)
            let signal = try await receivedSignal(try context.parameters.reportID())
            let document = try SignalsRequests.followUp(
                body, signal: signal, author: person.author, id: ReportID.random(),
                policy: policy)
            return try await publish(document: document, as: gate.credential(request))
        }
    }

    /// Every signal this organisation sent or received, oldest first, with each recipient's
    /// state. Delivery comes from the node's board where this host can ask it
    /// (``signalDelivery``); otherwise a recipient that has not answered reads "unknown".
    func signalStates() async throws -> [SignalState] {
        let organisation = backend.organisation
        let records = SignalRecord.records(pictureAnswer: try await rawPicture()).filter {
            $0.readers.contains(organisation)
        }
        let applied = await deliveryBoard()
        return SignalTracker(acknowledgeWithinMs: signalPolicy.acknowledgeWithinMs).signals(
            in: records, applied: applied, now: Timestamp.nowMilliseconds())
    }

    /// The node's board, asked on a Dispatch thread: it is a blocking socket request.
    private func deliveryBoard() async -> [OrganisationCode: SequenceNumber]? {
        guard let read = signalDelivery else { return nil }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: read()) }
        }
    }

    /// A signal this organisation received (only a recipient answers one): 404 when its
    /// picture has none, 403 (E314) when it is the sender's or not addressed to it.
    private func receivedSignal(_ id: ReportID) async throws -> SignalRecord {
        let organisation = backend.organisation
        let records = SignalRecord.records(pictureAnswer: try await rawPicture())
        guard let signal = records.first(where: { $0.record.id == id && $0.record.type == .signal }) else {
            throw APIError(.notFound, .unknownReport, "the picture of \(organisation) holds no signal \(id)")
        }
        guard signal.record.origin != organisation, signal.readers.contains(organisation) else {
            throw APIError(
                .forbidden, .notASignalRecipient, "signal \(id) was not sent to \(organisation)")
        }
        return signal
    }
}
