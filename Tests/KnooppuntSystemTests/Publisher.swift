import Foundation
import KnooppuntClient
import KnooppuntDomain
import KnooppuntStore
import StrictJSON
import ZeroMQ

/// An operator's tool in the tests: hands documents to one daemon over its operator socket
/// (like `knooppunt publish`, but many at once) and records every answer. Used from one thread.
final class Publisher {
    struct Accepted: Hashable {
        let id: String
        let epoch: UInt64
        let sequence: UInt64
        /// Given by an active node whose standby was away.
        var degraded = false
    }

    let organisation: OrganisationCode
    let context: ZMQContext
    let socket: ZMQSocket
    /// Report ids in the order the daemon queued them (its origin order).
    private(set) var queued: [String] = []
    private(set) var accepted: [String: Accepted] = [:]
    private(set) var rejected: [String: Int] = [:]
    private(set) var errors: [Int] = []
    private(set) var sent = 0
    /// The PUBLISH options' person: the network's test person of `organisation`.
    let person: PersonCredential

    init(_ organisation: OrganisationCode, network: TestNetwork) throws {
        self.organisation = organisation
        context = ZMQContext()
        socket = try ZMQSocket(context, .dealer, name: "publisher.\(organisation)")
        try socket.set([.linger(.zero), .sendHighWaterMark(100_000), .receiveHighWaterMark(100_000)])
        try socket.connect(network.folder.operatorEndpoint(organisation))
        person = .token(try network.token(organisation))
    }

    deinit {
        socket.close()
        context.terminate()
    }

    var outstanding: Int {
        sent - queued.count - errors.count
            + queued.filter { accepted[$0] == nil && rejected[$0] == nil }.count
    }

    /// Reports handed over and not yet answered by the node.
    var unanswered: Int { queued.count(where: { accepted[$0] == nil && rejected[$0] == nil }) }

    func publish(_ document: JSONValue, again: Bool = true) throws {
        try socket.sendPacked(
            OperatorRequest.publish(
                document: JSONWriter.canonical(document),
                options: PublishOptions(again: again, credential: person)
            ).encode())
        sent += 1
    }

    /// Reads every answer that has arrived; waits up to `timeout` for the first one.
    func pump(timeout: Duration = .zero) throws {
        var poller = Poller()
        poller.add(.socket(socket))
        if timeout > .zero { _ = try poller.poll(timeout: timeout) }
        while let message = try socket.receive(dontWait: true) {
            guard let parts = message.unpacked(routed: false, maxParts: 16),
                let response = OperatorResponse.decode(parts)
            else { continue }
            switch response {
            case .queued(let id, _): queued.append(id.rawValue)
            case .accepted(let id, let epoch, let sequence, let degraded):
                accepted[id.rawValue] = Accepted(
                    id: id.rawValue, epoch: epoch, sequence: sequence, degraded: degraded)
            case .rejected(let id, let code, _): rejected[id.rawValue] = code?.rawValue ?? 0
            case .error(let refusal): errors.append(refusal.first.code.rawValue)
            default: break
            }
        }
    }

    /// Publishes `count` documents and waits until every one is answered by the node.
    func publishAll(_ documents: [JSONValue], timeout: Double = 60) throws {
        for document in documents { try publish(document) }
        try waitUntil("\(organisation): answers to \(documents.count) reports", timeout: timeout) {
            try pump(timeout: .milliseconds(20))
            return queued.count + errors.count == sent && unanswered == 0
        }
    }
}

/// Report documents for the tests.
enum Documents {
    static let municipalityOf: [String: String] = {
        var result: [String: String] = [:]
        for municipality in ReferenceData.builtIn.municipalities.values.sorted(by: { $0.code < $1.code }) {
            if result[municipality.region.rawValue] == nil {
                result[municipality.region.rawValue] = municipality.code.rawValue
            }
        }
        return result
    }()

    static func incident(_ region: OrganisationCode, _ id: String) -> JSONValue {
        [
            "type": "incident", "incident": .string(id), "title": .string("Oefenincident \(id)"),
            "kind": "fire",
            "location": ["municipality": .string(municipalityOf[region.rawValue]!)],
            "startedAt": "2026-11-30T10:00:00+01:00",
            "lead": ["organisation": .string(region.rawValue), "function": "Operationeel leider"],
            "status": "open",
            "classification": "partners",
        ]
    }

    /// A sitrep with a partners section and, when `policeMarker` is given, a police-only section
    /// whose text carries the marker (to prove it never reaches anyone else).
    static func sitrep(_ incident: String, _ number: Int, policeMarker: String? = nil) -> JSONValue {
        var beeld: [String: JSONValue] = [
            "MULTI": [
                "text": .string("Situatierapport \(number) voor \(incident)"), "classification": "partners",
            ]
        ]
        if let policeMarker {
            beeld["POL"] = ["text": .string("Opsporing loopt \(policeMarker)"), "classification": "police"]
        }
        return [
            "type": "sitrep", "incident": .string(incident), "beeld": .object(beeld), "confidence": "medium",
            "verification": "unconfirmed",
        ]
    }
}
