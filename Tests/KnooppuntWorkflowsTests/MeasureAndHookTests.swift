import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

@Suite("Measures side by side under one threat level")
struct MeasureComparisonTests {
    func measure(_ municipality: String, _ kinds: [String], exercise: Bool = false) -> JSONValue {
        [
            "type": "measure", "exercise": .bool(exercise), "municipality": .string(municipality),
            "measures": .array(
                kinds.map { ["kind": .string($0), "text": .string("\($0) in \(municipality)")] }),
            "classification": "partners",
        ]
    }

    @Test("municipalities under the same level are compared kind by kind; the rest are counted")
    func sideBySide() throws {
        let log = LogBuilder()
        try log.commit(
            Docs.threat(["scope": "province", "code": "PV26"], level: 5, step: "declared"), as: .nctv)
        try log.commit(Docs.threat(["scope": "national"], level: 4, step: "announced"), as: .nctv)
        try log.commit(measure("GM0344", ["stayInside", "schoolsClosed"]), as: Org.vr09)
        try log.commit(measure("GM0356", ["stayInside"]), as: Org.vr09)
        try log.commit(measure("GM0402", ["increasedSurveillance"]), as: Org.vr14)
        // A later report of a municipality replaces its earlier one.
        try log.commit(
            measure("GM0344", ["stayInside", "schoolsClosed", "publicTransportStopped"]), as: Org.vr09)
        try log.commit(measure("GM0344", ["evacuation"], exercise: true), as: Org.vr09)
        let comparison = MeasureComparison(records: log.updates.map { WorkflowRecord($0) })
        #expect(comparison.groups.map(\.level) == [5, 4])
        let five = comparison.groups[0]
        #expect(five.areas == ["PV26"])
        #expect(five.rows.map(\.name) == ["Utrecht", "Nieuwegein"])
        #expect(five.kinds == [.stayInside, .schoolsClosed, .publicTransportStopped])
        #expect(five.rows[0].has(.publicTransportStopped) && !five.rows[1].has(.publicTransportStopped))
        #expect(five.withoutMeasures.count == 24, "VR09 has 26 municipalities")
        let four = comparison.groups[1]
        #expect(four.areas == ["national"])
        #expect(four.rows.map(\.municipality.rawValue) == ["GM0402"])
        let json = comparison.json
        #expect(
            json["groups"]?.arrayValue?.first?["municipalities"]?.arrayValue?.first?["measures"]?.arrayValue?
                .count == 3)

        let exercise = MeasureComparison(records: log.updates.map { WorkflowRecord($0) }, exercise: true)
        #expect(exercise.groups.count == 1 && exercise.groups[0].level == nil)
        #expect(exercise.groups[0].rows.first?.measures.map(\.kind) == [.evacuation])
    }
}

@Suite("Notification hooks: configuration")
struct HookConfigTests {
    @Test("commands and loopback webhooks per organisation, and the escalation time")
    func valid() throws {
        let config = try HookConfig.parse(
            Array(
                """
                # comment
                escalateAfter: 2m
                hooks:
                  VR09: { command: ["/usr/local/bin/pager", "--team", "vr09"] }
                  NATIONAL: { webhook: "http://127.0.0.1:9080/alerts" }
                  NCTV: { webhook: "http://[::1]:81" }
                  POLICE: { webhook: "http://localhost:8080/x/y" }
                """.utf8))
        #expect(config.rules.escalateAfter == .seconds(120))
        #expect(config.hooks[Org.vr09] == .command(["/usr/local/bin/pager", "--team", "vr09"]))
        guard case .webhook(let national) = config.hooks[.national],
            case .webhook(let nctv) = config.hooks[.nctv],
            case .webhook(let police) = config.hooks[.police]
        else {
            Issue.record("webhooks expected")
            return
        }
        #expect(national.host == "127.0.0.1" && national.port == 9080 && national.path == "/alerts")
        #expect(nctv.host == "::1" && nctv.port == 81 && nctv.path == "/")
        #expect(police.description == "http://localhost:8080/x/y")
    }

    @Test("webhooks off the loopback, relative commands, unknown organisations are refused by name")
    func refused() {
        func problems(_ text: String) -> String {
            do {
                _ = try HookConfig.parse(Array(text.utf8))
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(problems("hooks: {VR09: {webhook: \"http://10.0.0.5/x\"}}").contains("loopback only"))
        #expect(problems("hooks: {VR09: {webhook: \"https://127.0.0.1/x\"}}").contains("loopback only"))
        #expect(
            problems("hooks: {VR09: {webhook: \"http://127.0.0.1.evil.example/x\"}}").contains("loopback"))
        #expect(problems("hooks: {VR09: {command: [\"pager\"]}}").contains("absolute path"))
        #expect(problems("hooks: {VR99: {command: [\"/bin/true\"]}}").contains("hooks.VR99"))
        #expect(
            problems("hooks: {VR09: {command: [\"/bin/true\"], webhook: \"http://127.0.0.1/\"}}").contains(
                "exactly one"))
        #expect(problems("escalateAfter: soon").contains("escalateAfter"))
        #expect(problems("hook: {}").contains("unknown field"))
    }
}
