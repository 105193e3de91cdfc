import Foundation
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntWeb

/// The screen's signal requests against the built-in signal policy, with DJI (justice) and a
/// municipality as partners of the network, as `knooppunt org add` would make them.
@Suite("The operator screen's signals: options, refusals, documents, words")
struct SignalsScreenTests {
    static let dji = OrganisationCode("DJI")!
    static let gemeente = OrganisationCode("GEM-UTRECHT")!
    static let registry = OrganisationRegistry([
        Organisation(code: dji, name: "DJI Meldpunt Radicalisering", kind: .justice),
        Organisation(code: gemeente, name: "Gemeente Utrecht", kind: .municipality),
    ])

    static func signal(
        recipients: [String] = ["GEM-UTRECHT"], basis: String = "WJSG-39F", retention: Int = 365
    )
        -> Signal
    {
        Signal(
            sender: dji, person: "DJI-2026-0042", kind: .radicalisation,
            assessment: "Uitingen die op radicalisering wijzen", legalBasis: basis,
            recipients: OrganisationSet(recipients.map { OrganisationCode($0)! }), retentionDays: retention,
            asked: .discussMAR)
    }

    static func refusal(_ signal: Signal) -> APIError? {
        SignalsRequests.refusal(signal, organisation: dji, policy: .builtIn, registry: registry)
    }

    @Test("DJI is offered the municipality and the police, never a safety region or itself")
    func optionsFollowThePolicy() {
        let options = SignalsRequests.options(for: Self.dji, policy: .builtIn, registry: Self.registry)
        let codes = (options["recipients"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
        #expect(codes.contains("GEM-UTRECHT") && codes.contains("POLICE"), "\(codes)")
        #expect(!codes.contains("VR09") && !codes.contains("DJI") && !codes.contains("NATIONAL"), "\(codes)")
        let municipality = options["recipients"]?.arrayValue?.first { $0["code"] == "GEM-UTRECHT" }
        #expect(municipality?["bases"]?.arrayValue?.contains("WJSG-39F") == true)
        #expect(options["legalBases"]?.arrayValue?.count == SignalPolicy.builtIn.legalBases.count)
        // A safety region has no rule to send from: nothing is offered.
        let region = SignalsRequests.options(
            for: OrganisationCode("VR09")!, policy: .builtIn, registry: Self.registry)
        #expect(region["recipients"]?.arrayValue?.isEmpty == true)
    }

    @Test("a signal the policy allows passes: DJI to the municipality and the police on WJSG-39F")
    func allowedSignal() {
        #expect(Self.refusal(Self.signal()) == nil)
        #expect(Self.refusal(Self.signal(recipients: ["GEM-UTRECHT", "POLICE"])) == nil)
    }

    @Test(
        "refusals carry the policy's codes: E310 to a region, E311 an unknown basis, E312 a basis not for the recipient, E315 too long a retention",
        arguments: [
            (["VR09"], "WJSG-39F", 365, 310), (["GEM-UTRECHT"], "WET-X", 365, 311),
            (["GEM-UTRECHT"], "WPOLG-16", 365, 312), (["GEM-UTRECHT"], "WJSG-39F", 800, 315),
        ] as [([String], String, Int, Int)])
    func refusals(_ recipients: [String], _ basis: String, _ retention: Int, _ code: Int) {
        let refusal = Self.refusal(Self.signal(recipients: recipients, basis: basis, retention: retention))
        #expect(refusal.map { Int($0.code.rawValue) } == code, "\(refusal?.message ?? "accepted")")
        #expect(refusal?.status == .unprocessableContent)
    }

    @Test("a person named by name and BSN is refused at the field, before the policy")
    func pseudonymOnly() {
        let body: JSONValue = [
            "kind": "radicalisation", "person": "Jan de Vries 123456782", "assessment": "x",
            "legalBasis": "WJSG-39F", "recipients": ["POLICE"], "asked": "inform",
        ]
        do {
            _ = try SignalsRequests.send(
                body, organisation: .police, author: "A (a)", id: ReportID.random(), policy: .builtIn,
                registry: Self.registry)
            Issue.record("accepted a name")
        } catch {
            #expect(error.problems.contains { $0.field.hasSuffix("person") }, "\(error.problems)")
        }
    }

    @Test("every word signals.js asks for is in its table; every placeholder of signals.html has a word")
    func words() {
        let script = WebAssets.text("signals.js")
        let keys = script.matches(of: /(?:^|[^A-Za-z0-9_$])t\("([^"]+)"/).map { String($0.output.1) }
        #expect(keys.count >= 20)
        let missing = keys.filter { !$0.hasSuffix(".") && !SignalWords.script.contains($0) }
        #expect(missing.isEmpty, "signals.js asks for \(missing)")
        let computed =
            SignalKind.allCases.map { "sigkind.\($0.rawValue)" }
            + SignalRequest.allCases.map { "sigasked.\($0.rawValue)" }
            + SignalOutcome.allCases.map { "sigoutcome.\($0.rawValue)" } + ["sig.sent", "sig.received"]
            + ["followedUp", "acknowledged", "overdue", "delivered", "notDelivered", "unknown"].map {
                "sigstate.\($0)"
            }
            + (310...315).map { "error.\($0)" }
        #expect(computed.filter { !SignalWords.script.contains($0) }.isEmpty)
        let page = SignalsPage.template.textKeys.filter {
            $0 != "organisation" && !SignalWords.page.contains($0)
        }
        #expect(page.isEmpty, "signals.html asks for \(page)")
        for entry in SignalWords.page.entries + SignalWords.script.entries {
            #expect(
                ScreenLanguageTests.placeholders(entry.dutch)
                    == ScreenLanguageTests.placeholders(entry.english),
                "\(entry.key)")
        }
        let desk = WebAssets.text("desk-signals.js").matches(of: /(?:^|[^A-Za-z0-9_$])t\("([^"]+)"/)
            .map { String($0.output.1) }
        #expect(desk.count >= 3 && desk.allSatisfy { SignalWords.desk.contains($0) }, "\(desk)")
        #expect(
            ["followedUp", "acknowledged", "overdue", "delivered", "notDelivered", "unknown"].allSatisfy {
                SignalWords.desk.contains("sigstate.\($0)")
            })
        let html = SignalsPage.html(for: Self.dji, language: .dutch)
        #expect(html.contains("Signalen") && html.contains("/assets/signals.js"))
    }
}
