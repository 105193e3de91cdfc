import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows
import Logging
import Testing

/// Services refuse with a kind (the command's exit code) and a message an operator can act on,
/// without a network: a data folder where nothing runs.
@Suite("Services without a running network")
struct ServiceFailureTests {
    @Test(
        "publishing a workflow step to a daemon that is not running: daemonUnreachable, naming the command that starts it"
    )
    func publisherWithoutDaemon() throws {
        let folder = DataFolder(try temporaryFolder().path)
        let credential = PersonCredential.token("kp_unused")
        do {
            _ = try WorkflowPublisher(
                folder: folder, organisation: OrganisationCode("VR09")!, credential: credential, wait: 1,
                output: { _ in })
            Issue.record("a publisher was made without a daemon")
        } catch let failure as ServiceFailure {
            #expect(failure.kind == .daemonUnreachable)
            #expect(
                failure.message.hasPrefix("E506 daemonUnreachable: the daemon of VR09 is not running in "))
            #expect(failure.message.contains("knooppunt cluster --dir"))
        }
    }

    @Test("an exercise whose daemons are not running names the missing ones")
    func exerciseWithoutDaemons() throws {
        let folder = DataFolder(try temporaryFolder().path)
        let organisations = [OrganisationCode("VR09")!, .nctv]
        #expect {
            try ExerciseRunner(
                folder: folder, organisations: organisations, stepTimeout: 1, json: false, actor: "test",
                output: { _ in })
        } throws: { error in
            guard let failure = error as? ServiceFailure else { return false }
            return failure.kind == .daemonUnreachable && failure.message.hasSuffix("VR09, NCTV")
        }
    }

    @Test("offline readers of a folder without a node store refuse as invalid input")
    func offlineWithoutStore() throws {
        let folder = DataFolder(try temporaryFolder().path)
        #expect {
            try OfflineStores.log(folder)
        } throws: { error in
            (error as? ServiceFailure)?.kind == .invalid
        }
        var notes: [String] = []
        #expect(OfflineStores.deliveries(folder, of: [1, 2], note: { notes.append($0) }).isEmpty)
        #expect(notes.isEmpty)
    }

    @Test("the alert service sends nothing when no request is due, and records nothing")
    func alertPassWithoutRequests() throws {
        let folder = try temporaryFolder()
        let store = try AlertStore(path: folder.appendingPathComponent("alerts.sqlite").path)
        let script = try executable(in: folder, "#!/bin/sh\ncat > /dev/null\n")
        let service = try AlertService(
            folder: DataFolder(folder.path), network: try sampleNetwork(),
            config: HookConfig(hooks: [.nctv: .command([script])]), store: store,
            logger: Logger(label: "test"))
        service.pass(records: [], board: nil)
        #expect(try store.all().isEmpty)
    }
}

/// A network.json as `keys init` writes it, in memory.
func sampleNetwork() throws -> NetworkConfig {
    let folder = DataFolder(try temporaryFolder().path)
    return try folder.prepareLocalNetwork(basePort: 47_000, chp: false)
}
