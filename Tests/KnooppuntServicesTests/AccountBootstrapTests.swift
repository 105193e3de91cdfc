import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntServices
import KnooppuntStore
import Logging
import Testing

/// The accounts a first run makes: an administrator per organisation, and on a local network
/// the desk officer and the duty accounts with their tokens.
@Suite("First accounts")
struct AccountBootstrapTests {
    @Test("the first run makes 'admin' with its password in an owner-only file; a second run makes nothing")
    func firstAdministrator() throws {
        let folder = DataFolder(try temporaryFolder().path)
        let vr09 = OrganisationCode("VR09")!
        let logger = Logger(label: "test")
        let file = try #require(try FirstAdministrator.ensure(vr09, folder: folder, logger: logger))
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("user: admin\npassword: "))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FirstAdministrator.ensure(vr09, folder: folder, logger: logger) == nil)
        let store = try PeopleStore(path: PeopleStore.path(in: folder.peopleFolder(vr09)), organisation: vr09)
        #expect(try store.person("admin")?.role == .administrator)
    }

    @Test("duty accounts get a working token once; a later run keeps the token that still works")
    func dutyAccounts() throws {
        let folder = DataFolder(try temporaryFolder().path)
        let vr09 = OrganisationCode("VR09")!
        try DataFolder.makeOwnerOnly(folder.peopleFolder(vr09))
        try LocalDutyAccounts.ensure(folder: folder, organisations: [vr09])
        let file = LocalDutyAccounts.tokenFile(folder, vr09)
        let token = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let store = try PeopleStore(path: PeopleStore.path(in: folder.peopleFolder(vr09)), organisation: vr09)
        guard
            case .success(let person) = try store.authenticate(token: token, now: Timestamp.nowMilliseconds())
        else {
            Issue.record("the duty token does not authenticate")
            return
        }
        #expect(person.username == LocalDutyAccounts.username && person.role == .deskOfficer)
        try LocalDutyAccounts.ensure(folder: folder, organisations: [vr09])
        #expect(
            try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                == token)
    }
}
