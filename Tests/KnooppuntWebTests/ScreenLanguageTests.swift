import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntWeb

/// The desk, the operator screens and the login page speak Dutch by default and English on
/// request, with every word in both languages.
@Suite("Dutch screens, English on request")
struct ScreenLanguageTests {
    static let tables: [(String, WordTable)] = [
        ("common", CommonWords.script), ("desk page", DeskWords.page), ("desk script", DeskWords.script),
        ("screen page", ScreenWords.page), ("screen script", ScreenWords.script),
        ("login page", LoginPage.words),
        ("login script", LoginPage.scriptWords),
    ]

    /// Each script with the words its page carries.
    static let scripts: [(String, String, WordTable)] = [
        ("common.js", WebAssets.text("common.js"), CommonWords.script),
        ("desk.js", WebAssets.text("desk.js"), DeskWords.script),
        ("screen.js", WebAssets.text("screen.js"), ScreenWords.script),
        ("login.js", WebAssets.text("login.js"), LoginPage.scriptWords),
    ]

    static func placeholders(_ text: String) -> Set<String> {
        Set(text.matches(of: /\{\d+\}/).map { String($0.output) })
    }

    @Test("every word exists once, in Dutch and in English, with the same placeholders")
    func tablesAreComplete() {
        for (name, table) in Self.tables {
            var seen = Set<String>()
            for entry in table.entries {
                #expect(seen.insert(entry.key).inserted, "\(name): \(entry.key) twice")
                #expect(!entry.dutch.trimmingCharacters(in: .whitespaces).isEmpty, "\(name): \(entry.key) nl")
                #expect(
                    !entry.english.trimmingCharacters(in: .whitespaces).isEmpty, "\(name): \(entry.key) en")
                #expect(
                    Self.placeholders(entry.dutch) == Self.placeholders(entry.english),
                    "\(name): \(entry.key) has different placeholders")
            }
        }
    }

    @Test("every word a script asks for (K.t) is in its page's table")
    func scriptKeysExist() {
        for (name, script, table) in Self.scripts {
            let keys = script.matches(of: /(?:^|[^A-Za-z0-9_$])t\("([^"]+)"/).map { String($0.output.1) }
            #expect(keys.count >= (name == "login.js" ? 1 : 10), "\(name): the scan found the script's words")
            for key in keys { #expect(table.contains(key), "\(name) asks for \(key)") }
        }
    }

    /// Values the scripts name with `K.value(kind, raw)`: every value the picture can hold.
    static let values: [String: [String]] = [
        "kind": IncidentKind.allCases.map(\.rawValue), "status": IncidentStatus.allCases.map(\.rawValue),
        "step": ThreatStep.allCases.map(\.rawValue),
        "verification": VerificationStatus.allCases.map(\.rawValue),
        "confidence": Confidence.allCases.map(\.rawValue), "measure": MeasureKind.allCases.map(\.rawValue),
        "role": Role.allCases.map(\.rawValue), "party": ["acknowledged", "overdue", "delivered", "waiting"],
        "live": ["up", "late", "down", "absent", "unknown"], "report": ["queued", "accepted", "rejected"],
    ]

    @Test("every value a script names (K.value) has a word for each of its values")
    func scriptValuesExist() {
        var kinds = Set<String>()
        for (name, script, table) in Self.scripts {
            for match in script.matches(of: /(?:^|[^A-Za-z0-9_$])value\("([a-z]+)"/) {
                let kind = String(match.output.1)
                kinds.insert(kind)
                if kind == "error" { continue }
                let expected = Self.values[kind]
                #expect(expected != nil, "\(name) names \(kind) values; list them in this test")
                for raw in expected ?? [] {
                    #expect(table.contains("\(kind).\(raw)"), "\(name): \(kind).\(raw)")
                }
            }
        }
        #expect(kinds.isSuperset(of: ["kind", "status", "step", "measure", "party", "live", "error"]))
        // Error descriptions only for codes that exist.
        for key in CommonWords.script.keys where key.hasPrefix("error.") {
            #expect(Int(key.dropFirst(6)).flatMap(ErrorCode.init(rawValue:)) != nil, "\(key)")
        }
    }

    @Test("Europe/Amsterdam times: +01:00 in winter, +02:00 in summer, across both switches")
    func amsterdamTime() {
        let utc = { (text: String) in Timestamp(rfc3339: text)!.millisecondsSinceEpoch }
        #expect(AmsterdamTime.text(utc("2025-01-15T12:00:00Z")) == "2025-01-15T13:00:00+01:00")
        #expect(AmsterdamTime.text(utc("2025-07-15T12:00:00Z")) == "2025-07-15T14:00:00+02:00")
        #expect(AmsterdamTime.text(utc("2025-03-30T00:59:59Z")) == "2025-03-30T01:59:59+01:00")
        #expect(AmsterdamTime.text(utc("2025-03-30T01:00:00Z")) == "2025-03-30T03:00:00+02:00")
        #expect(AmsterdamTime.text(utc("2025-10-26T00:59:59Z")) == "2025-10-26T02:59:59+02:00")
        #expect(AmsterdamTime.text(utc("2025-10-26T01:00:00Z")) == "2025-10-26T02:00:00+01:00")
        #expect(AmsterdamTime.text(rfc3339: "2025-12-01T09:00:00+02:00") == "2025-12-01T08:00:00+01:00")
        // The pages show every time in Europe/Amsterdam, whatever the reader's own zone
        // (the browser tests check the readable form and the exact time on hover).
        #expect(
            WebAssets.text("common.js").contains(
                #"const readableParts = new Intl.DateTimeFormat(locale, { timeZone: "Europe/Amsterdam""#))
    }

    /// What a page must show in each language, and what it must not.
    struct Expected {
        let dutch: [String]
        let english: [String]
    }

    static let desk = Expected(
        dutch: [
            "Veiligheidsregio&#39;s", "Dreigingsniveaus", "Incidenten", "Maatregelen per gemeente",
            "Uitloggen",
        ],
        english: ["Safety regions", "Threat levels", "Incidents", "Measures per municipality", "Log out"])
    static let screen = Expected(
        dutch: [
            "Situatierapport opstellen (BOB)", "Kernboodschap", "Handelingsperspectief voor het publiek",
            "Uitloggen",
        ],
        english: ["Compose a sitrep (BOB)", "Core message", "Action advice for the public", "Log out"])
    static let login = Expected(
        dutch: ["Inloggen met uw account van", "Gebruikersnaam", "Wachtwoord"],
        english: ["Log in with your account of", "User name", "Password"])

    /// Checks one page in one language: `<html lang>`, its words, none of the other
    /// language's, the switch to the other language, and the script's words for `K.t`.
    static func check(
        _ reply: LocalServer.Reply, _ language: ScreenLanguage, _ expected: Expected, words: WordTable
    ) throws {
        #expect(reply.status == 200)
        let text = reply.text
        #expect(text.contains("<html lang=\"\(language.rawValue)\""))
        let (own, other) =
            language == .dutch ? (expected.dutch, expected.english) : (expected.english, expected.dutch)
        for word in own { #expect(text.contains(word), "\(language): \(word)") }
        for word in other { #expect(!text.contains(word), "\(language) page shows \(word)") }
        #expect(text.contains("href=\"?lang=\(language.other.rawValue)\""))
        #expect(text.contains(">\(language.other.name)</a>"))
        // The script's words: a JSON data block in this language, and no inline script.
        let start = try #require(text.range(of: "<script type=\"application/json\" id=\"kp-words\">"))
        let end = try #require(text.range(of: "</script>", range: start.upperBound..<text.endIndex))
        let block = try JSONParser.parse(Array(text[start.upperBound..<end.lowerBound].utf8))
        #expect(block.objectValue?.count == Set(words.keys).count)
        #expect(block["ago.now"]?.stringValue == (language == .dutch ? "nu" : "now"))
        for tag in text.matches(of: /<script[^>]*>/).map({ String($0.output) }) {
            #expect(tag.contains("src=\"/assets/") || tag.contains("type=\"application/json\""), "\(tag)")
        }
    }

    @Test("the desk is Dutch without a choice, English with ?lang=en, and the cookie keeps the choice")
    func deskLanguage() async throws {
        try await DeskAPITests().withDesk { server, _ in
            let plain = try await server.get("/")
            try Self.check(plain, .dutch, Self.desk, words: DeskPage.scriptWords)
            #expect(plain.headers["set-cookie"] == nil)

            let english = try await server.get("/?lang=en")
            try Self.check(english, .english, Self.desk, words: DeskPage.scriptWords)
            #expect(
                english.headers["set-cookie"]
                    == "knooppunt_lang=en; Path=/; Max-Age=31536000; SameSite=Strict")

            let kept = try await server.request("GET", "/", headers: ["Cookie": "other=1; knooppunt_lang=en"])
            try Self.check(kept, .english, Self.desk, words: DeskPage.scriptWords)
            #expect(kept.headers["set-cookie"] == nil)

            let back = try await server.request("GET", "/?lang=nl", headers: ["Cookie": "knooppunt_lang=en"])
            try Self.check(back, .dutch, Self.desk, words: DeskPage.scriptWords)
            #expect(back.headers["set-cookie"]?.hasPrefix("knooppunt_lang=nl;") == true)

            let unknown = try await server.request(
                "GET", "/?lang=fr", headers: ["Cookie": "knooppunt_lang=en"])
            try Self.check(unknown, .english, Self.desk, words: DeskPage.scriptWords)
            try Self.check(try await server.get("/?lang=fr"), .dutch, Self.desk, words: DeskPage.scriptWords)
        }
    }

    @Test("the operator screen is Dutch without a choice and English with ?lang=en or the cookie")
    func screenLanguage() async throws {
        try await OperatorScreenTests().withScreen { server, _ in
            try Self.check(try await server.get("/"), .dutch, Self.screen, words: ScreenPage.scriptWords)
            let english = try await server.get("/?lang=en")
            try Self.check(english, .english, Self.screen, words: ScreenPage.scriptWords)
            #expect(english.headers["set-cookie"]?.hasPrefix("knooppunt_lang=en;") == true)
            let kept = try await server.request("GET", "/", headers: ["Cookie": "knooppunt_lang=en"])
            try Self.check(kept, .english, Self.screen, words: ScreenPage.scriptWords)
            // The printable report follows the same rule.
            let report = try await server.request(
                "GET", "/incidents/\(Samples.incidentID)/report", headers: ["Cookie": "knooppunt_lang=en"])
            #expect(report.text.contains("<html lang=\"en\"") && report.text.contains("Situation report"))
        }
    }

    @Test("the login page follows the same rule; a page asked for in English sends you to the English login")
    func loginLanguage() async throws {
        let people = try TestPeople(.national)
        try await LoginTests().withServer(.desk, people: people) { server in
            try Self.check(try await server.get("/login"), .dutch, Self.login, words: LoginPage.scriptWords)
            try Self.check(
                try await server.get("/login?lang=en"), .english, Self.login, words: LoginPage.scriptWords)
            // URLSession follows the redirect from the page to /login?lang=en.
            try Self.check(
                try await server.get("/?lang=en"), .english, Self.login, words: LoginPage.scriptWords)
            try Self.check(try await server.get("/"), .dutch, Self.login, words: LoginPage.scriptWords)
        }
    }
}
