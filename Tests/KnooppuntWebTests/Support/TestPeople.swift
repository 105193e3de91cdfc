import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntStore
import Logging

@testable import KnooppuntWeb

/// An organisation's accounts for one test, in a temporary folder: one person per role, each
/// with the password "wachtwoord-<user>" and a personal token.
final class TestPeople: Sendable {
    let folder: URL
    let store: PeopleStore
    let tokens: [Role: String]
    static let users: [Role: String] = [
        .viewer: "vera", .operator: "otto", .deskOfficer: "dirk", .administrator: "anna",
    ]

    init(_ organisation: OrganisationCode, limits: LoginLimits = LoginLimits()) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("knooppunt-people-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try PeopleStore(
            path: PeopleStore.path(in: folder), organisation: organisation, hasher: PasswordHasher(cost: 4),
            limits: limits)
        var tokens: [Role: String] = [:]
        for (role, user) in Self.users {
            try store.add(
                username: user, name: "Test \(user.capitalized)", role: role, password: Self.password(user),
                now: 0)
            tokens[role] = try store.issueToken(for: user, label: "test", now: 0)
        }
        self.tokens = tokens
    }

    static func password(_ user: String) -> String { "wachtwoord-\(user)" }

    /// `Authorization: Bearer …` of the person with `role`.
    func bearer(_ role: Role) -> [String: String] { ["Authorization": "Bearer \(tokens[role]!)"] }

    func gate(
        logger: Logger = TestLog.logger, clock: @escaping @Sendable () -> Int64 = { 1_000 }
    ) -> PeopleGate {
        PeopleGate(store: store, logger: logger, clock: clock)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}
