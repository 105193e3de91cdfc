import Foundation
import KnooppuntConfig
import KnooppuntDomain
import StrictJSON
import Testing

/// The permission bits of a file (0o600 for owner-only).
func fileMode(_ path: String) -> mode_t {
    var info = stat()
    guard stat(path, &info) == 0 else { return 0 }
    return info.st_mode & 0o777
}

extension SystemTests {
    @Test(
        "a daemon's first run makes its administrator: the password only in an owner-only file, the log names the file"
    )
    func firstAdministrator() throws {
        let net = try TestNetwork(name: "first-admin")
        defer { net.removeFolder() }
        let region = OrganisationCode("VR14")!
        try net.startAll([region])
        let file = net.root.appendingPathComponent("VR14/first-admin-password").path
        #expect(fileMode(file) == 0o600)
        let content = try String(contentsOfFile: file, encoding: .utf8)
        let password = try #require(
            content.split(separator: "\n").first { $0.hasPrefix("password: ") }?.dropFirst("password: ".count)
        )
        #expect(password.count == 20)
        let log = net.log("VR14")
        #expect(log.contains(file), "\(log)")
        #expect(!log.contains(password))
        let list = try runKnooppunt(["users", "list", "--dir", net.root.path, "--as", "VR14"])
        #expect(list.status == 0)
        #expect(list.out.contains("admin") && list.out.contains("administrator"))

        // A restart makes no second administrator and leaves the file alone.
        _ = net.stop("VR14")
        try net.startDaemon(region)
        try net.waitConverged([region])
        #expect(try String(contentsOfFile: file, encoding: .utf8) == content)
        #expect(net.log("VR14").components(separatedBy: "first administrator").count == 2)
    }

    @Test(
        "users add, list, disable, reset, token and revoke: stable exit codes and codes, no secret on screen")
    func usersCommand() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-users-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dir = folder.path
        func users(
            _ arguments: [String], stdin: String? = nil
        ) throws -> (status: Int32, out: String, err: String) {
            try runKnooppunt(["users"] + arguments + ["--dir", dir, "--as", "VR09"], stdin: stdin)
        }

        let added = try users(["add", "jdevries", "--role", "operator", "--name", "Jan de Vries"])
        #expect(added.status == 0, "\(added.err)")
        let passwordFile = folder.appendingPathComponent("VR09/jdevries.password").path
        #expect(added.out.contains(passwordFile))
        #expect(fileMode(passwordFile) == 0o600)
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!added.out.contains(password) && !added.err.contains(password))

        let again = try users(["add", "jdevries", "--role", "viewer", "--name", "Jan"])
        #expect(again.status == 7)
        #expect(again.err.contains("E807 personExists"))
        let short = try users(
            ["add", "kees", "--role", "viewer", "--name", "Kees", "--password-stdin"], stdin: "kort\n")
        #expect(short.status == 1)
        #expect(short.err.contains("E808 weakPassword"))
        let badRole = try users(["add", "kees", "--role", "chief", "--name", "Kees"])
        #expect(badRole.status != 0)
        let chosen = try users(
            ["add", "kees", "--role", "desk-officer", "--name", "Kees", "--password-stdin"],
            stdin: "een lang gekozen wachtwoord\n")
        #expect(chosen.status == 0)
        #expect(!chosen.out.contains("een lang gekozen wachtwoord"))

        #expect(try users(["disable", "jdevries"]).status == 0)
        let list = try users(["list"])
        #expect(list.status == 0)
        #expect(
            list.out.contains("jdevries") && list.out.contains("disabled")
                && list.out.contains("Jan de Vries"))
        #expect(list.out.contains("desk-officer"))
        #expect(!list.out.contains(password) && !list.out.contains("$2b$"))
        let missing = try users(["disable", "nobody"])
        #expect(missing.status == 6)
        #expect(missing.err.contains("E806 unknownPerson"))

        let shown = try users(["reset", "jdevries", "--show-password"])
        #expect(shown.status == 0)
        #expect(shown.out.contains("password for jdevries"))

        let token = try users(["token", "kees", "--days", "7"])
        #expect(token.status == 0, "\(token.err)")
        let tokenFile = folder.appendingPathComponent("VR09/kees.token").path
        #expect(fileMode(tokenFile) == 0o600)
        let secret = try String(contentsOfFile: tokenFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("kpt_"))
        #expect(!token.out.contains(secret))
        #expect(try users(["list"]).out.contains("kees"))
        let revoked = try users(["revoke", "kees"])
        #expect(revoked.status == 0)
        #expect(revoked.out.contains("revoked 1 token"))
        // The account history says what happened, by whom, without a secret.
        let log = try users(["log"])
        #expect(log.status == 0)
        for event in ["added", "disabled", "password-reset", "token-issued", "tokens-revoked"] {
            #expect(log.out.contains(event), "\(event)")
        }
        #expect(log.out.contains("cli:"))
        #expect(!log.out.contains(password) && !log.out.contains(secret))
        // No account was made behind the operator's back: only what was added.
        #expect(!(try users(["list"]).out.contains("admin ")))
    }
}

extension SystemTests {
    @Test(
        "a report published as a person names them in the timeline and the audit log; a viewer and an open token file are refused"
    )
    func publishAsPerson() throws {
        let net = try TestNetwork(name: "publish-person")
        defer { net.removeFolder() }
        let region = OrganisationCode("VR14")!
        try net.startAll([region])
        let dir = net.root.path
        func users(_ arguments: [String]) throws {
            let result = try runKnooppunt(["users"] + arguments + ["--dir", dir, "--as", "VR14"])
            #expect(result.status == 0, "\(result.err)")
        }
        let operatorToken = net.root.appendingPathComponent("jdevries.token").path
        let viewerToken = net.root.appendingPathComponent("kijker.token").path
        try users(["add", "jdevries", "--role", "operator", "--name", "Jan de Vries"])
        try users(["token", "jdevries", "--file", operatorToken])
        try users(["add", "kijker", "--role", "viewer", "--name", "Karin Kijker"])
        try users(["token", "kijker", "--file", viewerToken])

        let incident = try writeTemporary(Documents.incident(region, "VR14-PERSON-1"))
        let published = try runKnooppunt([
            "publish", "--dir", dir, "--as", "VR14", "--token-file", operatorToken, incident.path,
        ])
        #expect(published.status == 0, "\(published.err)")
        let ack = try runKnooppunt([
            "publish", "--dir", dir, "--as", "VR14", "--token-file", operatorToken, "--incident",
            "VR14-PERSON-1", "--text", "Omgeving afgezet",
        ])
        #expect(ack.status == 0, "\(ack.err)")

        // An acknowledgement as the person: `by` and the author are theirs; a viewer may not.
        let incidentID = try #require(published.out.split(separator: " ").first.map(String.init))
        try waitUntil("VR14's mirror holds its incident", timeout: 20) {
            try runKnooppunt(["ack", "list", "--dir", dir, "--as", "VR14"]).status == 0
        }
        let given = try runKnooppunt([
            "ack", "give", incidentID, "--dir", dir, "--as", "VR14", "--token-file", operatorToken,
        ])
        #expect(given.status == 0, "\(given.err)")
        let notGiven = try runKnooppunt([
            "ack", "give", incidentID, "--dir", dir, "--as", "VR14", "--token-file", viewerToken,
        ])
        #expect(notGiven.status == 6 && notGiven.err.contains("E805"))

        let viewer = try runKnooppunt([
            "publish", "--dir", dir, "--as", "VR14", "--token-file", viewerToken, "--incident",
            "VR14-PERSON-1",
            "--text", "x",
        ])
        #expect(viewer.status == 6)
        #expect(viewer.err.contains("E805 roleNotPermitted"))
        chmod(operatorToken, 0o644)
        let open = try runKnooppunt([
            "publish", "--dir", dir, "--as", "VR14", "--token-file", operatorToken, "--incident",
            "VR14-PERSON-1",
            "--text", "x",
        ])
        #expect(open.status == 6)
        #expect(open.err.contains("E800") && open.err.contains("chmod 600"))

        // The daemon checks for itself, whatever speaks to its socket (here a bare PUBLISH):
        // nobody, a viewer and an unknown token are refused; the author is the person's,
        // whatever the document says.
        let endpoint = net.folder.operatorEndpoint(region)
        let rawID = ReportID.random()
        func publishRaw(_ person: JSONValue?) throws -> JSONValue {
            var document = Documents.sitrep("VR14-PERSON-1", 7).objectValue!
            document["id"] = .string(rawID.rawValue)
            document["author"] = "Burgemeester (nep)"
            var options: [String: JSONValue] = ["again": true]
            options["person"] = person
            return try ControlClient.request(
                endpoint, "PUBLISH",
                [JSONWriter.canonical(.object(document)), JSONWriter.canonical(.object(options))])
        }
        func code(_ answer: JSONValue) -> Int64? {
            answer["problems"]?.arrayValue?.first?["code"]?.integerValue
        }
        func token(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(code(try publishRaw(nil)) == 800)
        #expect(code(try publishRaw(["token": .string(try token(viewerToken))])) == 805)
        #expect(code(try publishRaw(["token": .string("kpt_" + String(repeating: "0", count: 64))])) == 804)
        #expect(code(try publishRaw(["session": "not-a-session"])) == 800)
        #expect(try publishRaw(["token": .string(try token(operatorToken))]).integerValue != nil)
        try waitUntil("the bare PUBLISH accepted", timeout: 20) {
            try ControlClient.request(endpoint, "REPORT", [Array(rawID.rawValue.utf8)])["state"] == "accepted"
        }

        let timeline = try runKnooppunt(["timeline", "--dir", dir, "--incident", "VR14-PERSON-1"])
        #expect(timeline.status == 0, "\(timeline.err)")
        #expect(timeline.out.contains("VR14 · Jan de Vries (jdevries)"), "\(timeline.out)")
        let audit = try runKnooppunt(["audit", "export", "--dir", dir])
        #expect(audit.status == 0, "\(audit.err)")
        #expect(audit.out.contains("Jan de Vries (jdevries)"))
        let rawLine = audit.out.split(separator: "\n").first { $0.contains(rawID.rawValue) } ?? ""
        #expect(
            rawLine.contains("Jan de Vries (jdevries)") && !audit.out.contains("Burgemeester"), "\(rawLine)")
        // The token itself is nowhere in the audit log, the timeline or the daemon's log.
        let token = try String(contentsOfFile: operatorToken, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            !audit.out.contains(token) && !timeline.out.contains(token) && !net.log("VR14").contains(token))
    }
}
