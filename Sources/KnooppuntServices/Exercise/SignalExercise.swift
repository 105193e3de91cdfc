import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import KnooppuntWorkflows
import StrictJSON

/// `knooppunt exercise signal`: a fictionalised replay of the signal flow in the letter of 26
/// May 2021 on a running network. DJI's Meldpunt Radicalisering registers a radicalisation
/// signal about a detainee (a pseudonymous reference) shortly before release and sends it, on
/// a legal basis of the signal policy, to the municipality of residence and the police, asking
/// for a MAR; the municipality acknowledges receipt and records the MAR as its follow-up; the
/// police acknowledges. Every report is an exercise report, published by each organisation's
/// daemon as its ``ProgramAccount/exerciseScript`` account, and the run ends by checking, in
/// the daemons' own pictures, that the municipality holds the signal and the MAR is recorded.
public final class SignalExercise {
    /// The parties of the exercise and the legal basis it states.
    public struct Parties: Sendable {
        public var sender: OrganisationCode
        public var municipality: OrganisationCode
        public var police: OrganisationCode
        public var legalBasis: String

        public init(
            sender: OrganisationCode, municipality: OrganisationCode, police: OrganisationCode,
            legalBasis: String
        ) {
            self.sender = sender
            self.municipality = municipality
            self.police = police
            self.legalBasis = legalBasis
        }

        var all: [OrganisationCode] { [sender, municipality, police] }

        /// Each party with the kind the letter's flow needs.
        var expectedKinds: [(code: OrganisationCode, kind: OrganisationKind)] {
            [(sender, .justice), (municipality, .municipality), (police, .police)]
        }
    }

    /// The steps the progress lines count.
    static let totalSteps = 7
    /// How often a picture is asked while waiting for a step to land.
    static let pollInterval: Duration = .milliseconds(200)
    /// How long one picture request may take.
    static let pictureTimeout: Duration = .seconds(10)

    let folder: DataFolder
    let parties: Parties
    let policy: SignalPolicy
    let wait: Double
    let actor: String
    let output: LineOutput
    private var credentials: [OrganisationCode: PersonCredential] = [:]
    private var step = 0

    public init(
        folder: DataFolder, parties: Parties, policy: SignalPolicy, wait: Double, actor: String,
        output: @escaping LineOutput
    ) {
        self.folder = folder
        self.parties = parties
        self.policy = policy
        self.wait = wait
        self.actor = actor
        self.output = output
    }

    /// Revokes the run's tokens.
    public func close() {
        ProgramAccount.exerciseScript.revokeRun(credentials.keys, folder: folder, actor: actor)
        credentials = [:]
    }

    /// Runs the whole flow; throws a ``ServiceFailure`` naming the step that did not happen.
    public func run(network: NetworkConfig) throws {
        output(
            "Oefening signaal (brief van 26 mei 2021, gefingeerd): \(parties.sender) → \(parties.municipality) en \(parties.police), grondslag \(parties.legalBasis)"
        )
        try checkParties(network.registry)
        var random = SystemRandomNumberGenerator()
        let person = "OEF-DETENTIE-\(UInt16.random(in: 1000...9999, using: &random))"
        let signal = Signal(
            sender: parties.sender, person: person, kind: .radicalisation,
            assessment:
                "OEFENING. Gedetineerde komt over drie weken vrij. Uitingen in de inrichting die op radicalisering wijzen; verzoek om een MAR met de gemeente van vestiging.",
            legalBasis: parties.legalBasis,
            recipients: OrganisationSet([parties.municipality, parties.police]),
            retentionDays: policy.defaultRetentionDays, asked: .discussMAR)
        let id = ReportID.random(using: &random)
        let sent = try publish(.signal(signal), id: id, as: parties.sender, summary: "signal")
        progress(
            "\(parties.sender) Meldpunt Radicalisering registreert een radicalisatiesignaal over gedetineerde \(person) en verstuurt het (vragen: MAR) — aanvaard seq \(sent)"
        )

        let received = try waitFor("het signaal in het beeld van \(parties.municipality)") {
            try records(of: parties.municipality).first { $0.record.id == id && $0.record.type == .signal }
        }
        // The content is shown only by opening it as a person (SIGNALOPEN): the script's read is
        // logged like an operator's, in the node's audit log and at the sender.
        let content = try open(id, at: parties.municipality)
        guard content["person"]?.stringValue == person else {
            throw ServiceFailure(
                .queued,
                "stap \(step + 1)/\(Self.totalSteps): \(parties.municipality) opent het signaal zonder de inhoud"
            )
        }
        progress(
            "\(parties.municipality) heeft het signaal ontvangen (seq \(received.record.sequence)) en geopend, met inhoud (gelogd); de lezers zijn alleen \(received.readers.map(\.rawValue).joined(separator: ", "))"
        )
        let classification = Classification.parties(signal.readers)
        let ackSequence = try publish(
            .signalAck(
                SignalAcknowledgement(
                    subject: id, by: author, note: "Ontvangen door Veiligheid en Zorg",
                    classification: classification)),
            id: ReportID.random(using: &random), as: parties.municipality, summary: "signalAck")
        progress("\(parties.municipality) bevestigt de ontvangst — aanvaard seq \(ackSequence)")
        let followUp = try publish(
            .signalFollowUp(
                SignalFollowUp(
                    subject: id, outcome: .caseMeeting, by: author,
                    note:
                        "MAR (Multidisciplinair Afstemmingsoverleg Resocialisatie) gehouden met DJI, reclassering en politie; nazorgplan afgesproken",
                    classification: classification)),
            id: ReportID.random(using: &random), as: parties.municipality, summary: "signalFollowUp")
        progress("\(parties.municipality) legt de MAR vast als opvolging — aanvaard seq \(followUp)")
        let policeAck = try publish(
            .signalAck(SignalAcknowledgement(subject: id, by: author, classification: classification)),
            id: ReportID.random(using: &random), as: parties.police, summary: "signalAck")
        progress("\(parties.police) bevestigt de ontvangst — aanvaard seq \(policeAck)")
        try check(id, person: person)
    }

    /// The end state, each from the daemon that must hold it: the municipality holds the
    /// signal's content and its own MAR; the sender sees the municipality followed up with a
    /// case meeting and the police acknowledged.
    private func check(_ id: ReportID, person: String) throws {
        let tracker = SignalTracker(acknowledgeWithinMs: policy.acknowledgeWithinMs)
        let state = try waitFor("de eindstand in het beeld van \(parties.sender)") { () -> SignalState? in
            let states = tracker.signals(
                in: try records(of: parties.sender), applied: nil, now: Timestamp.nowMilliseconds())
            guard let state = states.first(where: { $0.id == id }) else { return nil }
            let byParty = Dictionary(uniqueKeysWithValues: state.recipients.map { ($0.party, $0) })
            guard byParty[parties.municipality]?.state == .followedUp,
                byParty[parties.municipality]?.outcome == SignalOutcome.caseMeeting.rawValue,
                byParty[parties.police]?.state == .acknowledged
            else { return nil }
            return state
        }
        _ = try waitFor("het signaal en de MAR in het beeld van \(parties.municipality)") {
            () -> Void? in
            let records = try records(of: parties.municipality)
            let holds = records.contains { $0.record.id == id && $0.record.type == .signal }
            let mar = records.contains {
                $0.record.subject == id && $0.record.type == .signalFollowUp
                    && $0.record.section("signalFollowUp")?["outcome"]?.stringValue
                        == SignalOutcome.caseMeeting.rawValue
            }
            return holds && mar ? () : nil
        }
        progress(
            "Controle: \(parties.municipality) heeft het signaal en de MAR; \(parties.sender) ziet: \(Self.dutch(state))"
        )
        output("Oefening geslaagd: signaal \(id) is op de juiste plek geland en opgevolgd.")
    }

    /// The parties must be in network.json with the kinds of the letter's flow, the policy must
    /// let the sender send this signal, and their daemons must run.
    private func checkParties(_ registry: OrganisationRegistry) throws {
        var problems: [String] = []
        for (code, kind) in parties.expectedKinds {
            guard let organisation = registry.organisation(code), registry.contains(code) else {
                problems.append(
                    "\(code) staat niet in network.json: voeg het toe met `knooppunt org add \(code) --kind \(kind) --name NAAM --dir \(folder.root.path)`"
                )
                continue
            }
            if organisation.kind != kind {
                problems.append("\(code) is van de soort \(organisation.kind), de oefening vraagt \(kind)")
            }
        }
        if problems.isEmpty,
            let refusal = policy.check(
                sender: .justice, kind: .radicalisation, basis: parties.legalBasis,
                recipients: [.municipality, .police])
        {
            problems.append(
                "het signaalbeleid weigert dit signaal: E\(refusal.code.rawValue) \(refusal.message)")
        }
        guard problems.isEmpty else { throw ServiceFailure(.invalid, problems.joined(separator: "\n")) }
        let missing = parties.all.filter { !LocalClient.socketExists(folder.operatorEndpoint($0)) }
        guard missing.isEmpty else {
            throw ServiceFailure(
                .daemonUnreachable,
                "E506 daemonUnreachable: de daemons van \(missing.map(\.rawValue).joined(separator: ", ")) draaien niet in \(folder.root.path) (start een partner met `knooppunt daemon --org CODE --dir \(folder.root.path)`, de politie met `knooppunt police`)"
            )
        }
        credentials = try ProgramAccount.exerciseScript.runCredentials(
            for: parties.all, folder: folder, actor: actor)
        progress(
            "Partijen gecontroleerd: \(parties.all.map(\.rawValue).joined(separator: ", ")) in network.json, hun daemons draaien"
        )
    }

    private var author: String {
        "\(ProgramAccount.exerciseScript.name) (\(ProgramAccount.exerciseScript.username))"
    }

    private func publish(
        _ body: ReportBody, id: ReportID, as organisation: OrganisationCode, summary: String
    ) throws -> SequenceNumber {
        let publisher = try WorkflowPublisher(
            folder: folder, organisation: organisation, credential: credentials[organisation]!, wait: wait,
            output: { _ in })
        let document = ReportDocument(id: id, exercise: true, author: author, body: body)
        do {
            let accepted = try publisher.publish(
                [PlannedReport(document: document, summary: summary)], json: false)
            return accepted.last!.sequence
        } catch let failure as ServiceFailure {
            throw ServiceFailure(
                failure.kind, "stap \(step + 1)/\(Self.totalSteps) als \(organisation): \(failure.message)")
        }
    }

    /// The signal's content as the municipality's daemon shows it to the script's account.
    private func open(_ id: ReportID, at organisation: OrganisationCode) throws -> [String: JSONValue] {
        let client = try OperatorClient(endpoint: folder.operatorEndpoint(organisation))
        switch try client.openSignal(id, as: credentials[organisation]!, timeout: Self.pictureTimeout) {
        case .signal(let answer):
            return answer["content"]?.objectValue ?? [:]
        case .error(let refusal):
            throw ServiceFailure(
                .rejected,
                "stap \(step + 1)/\(Self.totalSteps) als \(organisation): E\(refusal.first.code.rawValue) \(refusal.first.message)"
            )
        default:
            throw DaemonPicture.notRunning(folder, organisation)
        }
    }

    private func records(of organisation: OrganisationCode) throws -> [SignalRecord] {
        let endpoint = folder.operatorEndpoint(organisation)
        guard let answer = try? OperatorClient(endpoint: endpoint).picture(timeout: Self.pictureTimeout)
        else {
            throw DaemonPicture.notRunning(folder, organisation)
        }
        return SignalRecord.records(pictureAnswer: answer)
    }

    /// Polls `probe` until it gives a value or `wait` seconds pass.
    private func waitFor<T>(_ what: String, _ probe: () throws -> T?) throws -> T {
        let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
        while true {
            if let value = try probe() { return value }
            guard ContinuousClock.now < deadline else {
                throw ServiceFailure(
                    .queued, "stap \(step + 1)/\(Self.totalSteps): na \(wait) s nog niet: \(what)")
            }
            Thread.sleep(forTimeInterval: Double(Self.pollInterval.components.attoseconds) / 1e18)
        }
    }

    private func progress(_ text: String) {
        step += 1
        output("[\(step)/\(Self.totalSteps)] \(text)")
    }

    /// "GEM-UTRECHT opgevolgd (caseMeeting) · POLICE ontvangst bevestigd".
    static func dutch(_ state: SignalState) -> String {
        state.recipients.map { recipient in
            let word =
                switch recipient.state {
                case .followedUp: "opgevolgd"
                case .acknowledged: "ontvangst bevestigd"
                case .overdue: "te laat"
                case .delivered: "bezorgd"
                case .notDelivered: "nog niet bezorgd"
                case .unknown: "bezorging onbekend"
                }
            return "\(recipient.party) \(word)" + (recipient.outcome.map { " (\($0))" } ?? "")
        }.joined(separator: " · ")
    }
}
