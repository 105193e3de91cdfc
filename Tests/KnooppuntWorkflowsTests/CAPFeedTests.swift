import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("Public CAP feed")
struct CAPFeedTests {
    let exporter = CAPExport()

    /// A picture as the desk holds it: a partners-only incident with partners GRIP, public
    /// advice from VR09, partners-only advice from VR14, a police sitrep, a public threat level
    /// with advice for PV26 and a partners-only one for the country, plus the same public
    /// advice in an exercise.
    func picture() throws -> LogBuilder {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        try log.commit(Docs.grip("VR09-1", "3", classification: "partners"), as: Org.vr09)
        try log.commit(Docs.advice("VR09-1"), as: Org.vr09)
        try log.commit(
            Docs.advice(
                "VR09-1", regions: ["VR14"], municipalities: [], classification: "partners",
                actionAdvice: "Alleen voor partners: houd de A12 vrij."), as: Org.vr14)
        try log.commit(Docs.policeSitrep("VR09-1"), as: .police)
        try log.commit(
            Docs.threat(
                ["scope": "province", "code": "PV26"], level: 4, step: "adviceIssued", advice: "Wees alert."),
            as: .nctv)
        try log.commit(
            Docs.threat(
                ["scope": "national"], level: 3, step: "adviceIssued",
                advice: "Vertrouwelijk advies aan partners.",
                classification: "partners"), as: .nctv)
        try log.commit(Docs.incident("VR09-2", exercise: true, classification: "public"), as: Org.vr09)
        try log.commit(Docs.advice("VR09-2", exercise: true), as: Org.vr09)
        return log
    }

    @Test(
        "the feed holds one entry per current public advice, newest first, and nothing classified otherwise")
    func publicOnly() throws {
        let log = try picture()
        let feed = exporter.feed(log.updates, exercise: false)
        #expect(feed.entries.count == 2)
        #expect(feed.entries.map { $0.alert.sender } == ["urn:knooppunt:nctv", "urn:knooppunt:vr09"])
        #expect(feed.entries.allSatisfy { $0.alert.scope == .publicScope && $0.alert.status == .actual })
        #expect(feed.updated == feed.entries.first?.updated)
        let atom = feed.atom(base: "http://127.0.0.1:8080")
        for secret in [
            "Alleen voor partners", "Arrestatieteam", "Grote politie-inzet", "Dader voortvluchtig",
            "Schietincident", "Vertrouwelijk advies", "GRIP", "restriction",
        ] {
            #expect(!atom.contains(secret), "\(secret) reached the public feed")
        }
        #expect(atom.contains("Blijf binnen en houd ramen en deuren gesloten."))
        #expect(atom.contains("Wees alert."))
    }

    @Test("every alert of the feed is valid against the CAP 1.2 schema")
    func alertsAreValid() throws {
        let log = try picture()
        for exercise in [false, true] {
            for entry in exporter.feed(log.updates, exercise: exercise).entries {
                let problems = try XMLLint.problems(entry.xml)
                #expect(problems == nil, "\(problems ?? "")\n\(entry.xml)")
            }
        }
    }

    @Test("the Atom feed is well-formed: XMLParser reads it back entry by entry, xmllint finds nothing")
    func atomIsWellFormed() throws {
        let log = try picture()
        let feed = exporter.feed(log.updates, exercise: false)
        let atom = feed.atom(base: "http://127.0.0.1:8080")
        let read = try AtomReading(atom)
        #expect(read.feedID == "urn:knooppunt:cap:feed")
        #expect(read.entryIDs == feed.entries.map { "urn:knooppunt:cap:\($0.identifier)" })
        #expect(read.alertLinks == feed.entries.map { "http://127.0.0.1:8080/cap/\($0.identifier).xml" })
        #expect(read.contentTypes == Array(repeating: "application/cap+xml", count: feed.entries.count))
        #expect(read.alertNamespaces == Array(repeating: CAPAlert.namespace, count: feed.entries.count))
        #expect(read.updated.first == feed.updated?.rfc3339Seconds)
        let problems = try XMLLint.wellFormednessProblems(atom)
        #expect(problems == nil, "\(problems ?? "")\n\(atom)")
    }

    @Test("entry ids are stable: the same picture gives the same feed, a new advice gives a new id")
    func stableIDs() throws {
        let log = try picture()
        let before = exporter.feed(log.updates, exercise: false)
        #expect(exporter.feed(Array(log.updates.reversed()), exercise: false) == before)
        let newer = try log.commit(
            Docs.advice("VR09-1", actionAdvice: "U kunt weer naar buiten."), as: Org.vr09)
        let after = exporter.feed(log.updates, exercise: false)
        let newID = CAPExport.identifier(report: newer.report.id, msgType: .alert)
        #expect(after.entries.first?.identifier == newID)
        #expect(
            Set(after.entries.map(\.identifier)).subtracting([newID]).isSubset(
                of: before.entries.map(\.identifier)))
        #expect(after.entries.count == before.entries.count)
        #expect(after.updated! > before.updated!)
    }

    @Test("a later sitrep without crisis communication leaves the advice standing; a non-public one ends it")
    func adviceStands() throws {
        let log = try picture()
        let before = exporter.feed(log.updates, exercise: false)
        try log.commit(Docs.policeSitrep("VR09-1"), as: Org.vr09)
        #expect(exporter.feed(log.updates, exercise: false) == before)
        try log.commit(Docs.advice("VR09-1", classification: "partners"), as: Org.vr09)
        let after = exporter.feed(log.updates, exercise: false)
        #expect(after.entries.map(\.alert.sender) == ["urn:knooppunt:nctv"])
    }

    @Test("the advice of an incident that is closed leaves the feed")
    func closedIncident() throws {
        let log = try picture()
        try log.commit(Docs.incident("VR09-1", status: "closed"), as: Org.vr09)
        let feed = exporter.feed(log.updates, exercise: false)
        #expect(feed.entries.map(\.alert.sender) == ["urn:knooppunt:nctv"])
    }

    @Test("exercise alerts appear only in the exercise feed, with status Exercise and marked OEFENING")
    func exerciseFeed() throws {
        let log = try picture()
        let feed = exporter.feed(log.updates, exercise: true)
        #expect(feed.entries.count == 1)
        #expect(feed.entries.allSatisfy { $0.alert.status == .exercise })
        let atom = feed.atom(base: "http://h:1")
        #expect(atom.contains("<id>urn:knooppunt:cap:exercise-feed</id>"))
        #expect(atom.contains("<title>OEFENING: "))
        #expect(atom.contains("/cap/\(feed.entries[0].identifier).xml?exercise=1"))
        let real = exporter.feed(log.updates, exercise: false)
        #expect(real.entries.allSatisfy { $0.alert.status == .actual })
        #expect(real.entry(identifier: feed.entries[0].identifier) == nil)
    }

    @Test("an empty picture gives an empty, well-formed feed")
    func emptyFeed() throws {
        let feed = exporter.feed([], exercise: false)
        #expect(feed.entries.isEmpty && feed.updated == nil)
        let atom = feed.atom(base: "http://127.0.0.1:1")
        #expect(try AtomReading(atom).entryIDs.isEmpty)
        #expect(try XMLLint.wellFormednessProblems(atom) == nil)
    }
}

extension XMLLint {
    /// Nil when `xml` is well-formed (`xmllint --noout`), xmllint's complaint otherwise.
    static func wellFormednessProblems(_ xml: String) throws -> String? {
        guard let executable else {
            throw XMLLintError(description: "xmllint is missing: install libxml2-utils")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "atom-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--noout", file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : output
    }
}

/// An Atom document read back with Foundation's XMLParser, independent of the writer.
final class AtomReading: NSObject, XMLParserDelegate {
    private(set) var feedID: String?
    private(set) var entryIDs: [String] = []
    private(set) var updated: [String] = []
    private(set) var alertLinks: [String] = []
    private(set) var contentTypes: [String] = []
    private(set) var alertNamespaces: [String] = []
    private var path: [String] = []
    private var text = ""

    init(_ xml: String) throws {
        super.init()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.shouldProcessNamespaces = true
        parser.delegate = self
        guard parser.parse() else {
            throw XMLLintError(description: "XMLParser: \(parser.parserError.map { "\($0)" } ?? "?")")
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == "link", attributes["rel"] == "alternate", let href = attributes["href"] {
            alertLinks.append(href)
        }
        if name == "content", path.last == "entry" { contentTypes.append(attributes["type"] ?? "") }
        if name == "alert", path.last == "content" { alertNamespaces.append(namespaceURI ?? "") }
        path.append(name)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(
        _ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?
    ) {
        path.removeLast()
        switch (name, path.last) {
        case ("id", "feed"): feedID = text
        case ("id", "entry"): entryIDs.append(text)
        case ("updated", "feed"): updated.append(text)
        default: break
        }
    }
}
