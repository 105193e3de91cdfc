import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntNode
import KnooppuntProtocol
import KnooppuntStore
import Logging
import StrictJSON
import Testing

/// A daemon and the national node in this process, on real sockets and stores: a person of the
/// organisation hands a report over the operator socket, the daemon queues it, the node
/// accepts it, and the daemon's mirror applies it.
@Suite("Daemon in process", .serialized)
struct DaemonInProcessTests {
    @Test(
        "a person's report is queued, accepted by the node and applied by the daemon's own mirror; no person, no report"
    )
    func publishThroughTheDaemon() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-daemon-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = DataFolder(root.path)
        let base = try #require(LocalNetworkLayout.freeBasePort(standby: false, chp: false))
        let network = try folder.prepareLocalNetwork(basePort: base, chp: false)
        let vr09 = OrganisationCode("VR09")!
        let node = try NodeServer(
            options: NodeOptions(folder: folder, network: network, logger: Logger(label: "node")))
        try node.start()
        defer { node.stop() }

        try DataFolder.makeOwnerOnly(folder.peopleFolder(vr09))
        let people = try PeopleStore(
            path: PeopleStore.path(in: folder.peopleFolder(vr09)), organisation: vr09)
        let now = Timestamp.nowMilliseconds()
        try people.add(
            username: "jdevries", name: "Jan de Vries", role: .operator, password: "lang-genoeg-wachtwoord",
            now: now)
        let token = try people.issueToken(for: "jdevries", label: "test", now: now)
        let daemon = DaemonServer(
            options: DaemonOptions(
                organisation: vr09, folder: folder, network: network, logger: Logger(label: "daemon")))
        try daemon.start()
        defer { daemon.stop() }

        let client = try OperatorClient(endpoint: folder.operatorEndpoint(vr09))
        let started = Timestamp.now().inAmsterdam
        let document: JSONValue = [
            "type": "incident", "incident": "VR09-20190318-01", "title": "Schietincident in een tram",
            "kind": "possibleTerroristAttack", "location": ["municipality": "GM0344"],
            "startedAt": .string(started.rfc3339Seconds),
            "lead": ["organisation": "VR09", "function": "Burgemeester van Utrecht"],
            "status": "open", "classification": "partners", "exercise": true,
        ]
        let bytes = JSONWriter.canonical(document)

        // Without a person the daemon refuses, and nothing is queued.
        guard case .error(let refusal) = try client.publish(bytes, options: PublishOptions()) else {
            Issue.record("a report without a person was not refused")
            return
        }
        #expect(refusal.first.code == .notSignedIn)

        let answer = try client.publish(bytes, options: PublishOptions(credential: .token(token)))
        guard case .queued(let id, let originSeq) = answer else {
            Issue.record("expected QUEUED, got \(answer)")
            return
        }
        #expect(originSeq == 1)
        var accepted: SequenceNumber?
        let deadline = ContinuousClock.now + .seconds(20)
        while accepted == nil, ContinuousClock.now < deadline {
            if case .accepted(id, _, let sequence, _) = try client.receive(timeout: .milliseconds(200)) {
                accepted = sequence
            }
        }
        let sequence = try #require(accepted, "the node did not accept the report in time")
        #expect(sequence == 1)
        _ = Readiness.wait(timeout: .seconds(20), interval: .milliseconds(50)) {
            ((try? client.status(timeout: .seconds(2)))?["mirror"]?["applied"]?.integerValue ?? 0) >= 1
        }
        let status = try client.status()
        #expect(status["mirror"]?["applied"]?.integerValue == 1)
        #expect(status["outbox"]?["queued"]?.integerValue == 0)
        #expect(status["synchronous"]?.integerValue == 2)
    }
}
