import Foundation
import KnooppuntDomain
import Testing

@testable import KnooppuntWeb

/// The scripts, style sheets and pages are files in `Sources/KnooppuntWeb/Resources`,
/// embedded in the binary; the pages' placeholders are filled from the word tables.
@Suite("Web assets as files")
struct WebAssetsTests {
    static let common: Set<String> = ["lang", "words", "switchLink"]

    @Test("a template escapes its text placeholders and inserts its markup as it is")
    func rendering() {
        let template = PageTemplate("<p title=\"{{a}}\">{{{b}}}</p>{{a}}")
        #expect(template.textKeys == ["a", "a"] && template.markupNames == ["b"])
        let page = template.render(.english, scriptWords: WordTable([])) { _ in
            "<\"R&D\">"
        } markup: { _ in
            "<i>x</i>"
        }
        #expect(page == "<p title=\"&lt;&quot;R&amp;D&quot;&gt;\"><i>x</i></p>&lt;&quot;R&amp;D&quot;&gt;")
        #expect(PageTemplate("{{{lang}}}").render(.dutch, scriptWords: WordTable([])) { $0 } == "nl")
    }

    @Test("every placeholder of the desk, screen and login pages has a word or a fragment")
    func placeholdersAreKnown() {
        let desk = DeskPage.template
        for key in desk.textKeys {
            #expect(DeskWords.page.contains(key) || key.hasPrefix("level."), "desk.html: {{\(key)}}")
        }
        #expect(Set(desk.markupNames).isSubset(of: Self.common.union(["map"])), "desk.html")
        #expect(desk.textKeys.filter { $0.hasPrefix("level.") } == (1...5).map { "level.\($0)" })
        for key in ScreenPage.template.textKeys {
            #expect(
                key == "organisation" || ScreenWords.page.contains(key) || CommonWords.script.contains(key),
                "screen.html: {{\(key)}}")
        }
        #expect(Set(ScreenPage.template.markupNames).isSubset(of: Self.common.union(["map"])), "screen.html")
        for key in LoginPage.template.textKeys {
            #expect(
                ["screen", "organisation"].contains(key) || LoginPage.words.contains(key),
                "login.html: {{\(key)}}")
        }
        #expect(Set(LoginPage.template.markupNames).isSubset(of: Self.common), "login.html")
    }

    @Test("every file in Resources is in the asset table, byte for byte")
    func everyFileIsServed() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/KnooppuntWeb/Resources").standardizedFileURL
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 9, "\(folder.path)")
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            #expect(WebAssets.files[name]?.bytes == bytes, "Resources/\(name) is not in WebAssets.files")
        }
    }

    /// The `/assets/…` a page names in `src` or `href`.
    static func assets(of page: String) -> [String] {
        page.matches(of: /(?:src|href)="\/assets\/([^"]+)"/).map { String($0.output.1) }
    }

    static func expectServed(_ names: [String], by server: LocalServer, _ page: String) async throws {
        #expect(!names.isEmpty, "\(page) loads assets")
        for name in names {
            let reply = try await server.get("/assets/\(name)")
            let file = try #require(WebAssets.files[name], "\(page) loads \(name)")
            #expect(reply.status == 200 && reply.body == file.bytes, "\(page): /assets/\(name)")
            #expect(reply.headers["content-type"] == file.type, "\(page): /assets/\(name)")
        }
    }

    @Test("every script and style sheet a page loads is served by its own server, as the embedded file")
    func pagesFindTheirAssets() async throws {
        try await DeskAPITests().withDesk { server, _ in
            let page = try await server.request("GET", "/", headers: server.headers)
            try await Self.expectServed(Self.assets(of: page.text), by: server, "the desk")
        }
        try await OperatorScreenTests().withScreen { server, _ in
            try await Self.expectServed(
                Self.assets(of: try await server.get("/").text), by: server, "the screen")
            let report = try await server.get("/incidents/\(Samples.incidentID)/report")
            try await Self.expectServed(Self.assets(of: report.text), by: server, "the report")
        }
        try await LoginTests().withServer(.desk, people: try TestPeople(.national)) { server in
            try await Self.expectServed(
                Self.assets(of: try await server.get("/login").text), by: server, "login")
        }
    }
}
