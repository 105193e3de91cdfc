import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

@Suite("Exercise scenarios")
struct ScenarioTests {
    static let tram = Repository.root.appendingPathComponent("config/exercises/utrecht-tram.yaml")

    func ids(_ count: Int) -> [ReportID] {
        var random = SeededGenerator(seed: 7)
        return (0..<count).map { _ in ReportID.random(using: &random) }
    }

    func parse(_ yaml: String) throws -> Scenario { try Scenario.parse(Array(yaml.utf8)) }

    /// The problems a scenario is refused with.
    func problems(_ yaml: String) -> [ScenarioProblem] {
        do {
            _ = try parse(yaml)
            return []
        } catch let error as ScenarioError {
            return error.problems
        } catch {
            return [ScenarioProblem(step: nil, field: "?", "\(error)")]
        }
    }

    static let header = """
        name: Test
        start: "2026-03-16T10:45:00+01:00"
        speed: 60
        steps:
        """

    static let incidentStep = """
          - offset: 0
            as: VR09
            name: melding
            document:
              type: incident
              incident: VR09-T-1
              title: Brand
              kind: fire
              location: { municipality: GM0344 }
              startedAt: "{{time}}"
              lead: { organisation: VR09, function: Officier van dienst }
              status: open
              classification: partners

        """

    @Test("the shipped Utrecht scenario parses: 40 steps, four daemons, about two minutes at demo speed")
    func shippedScenario() throws {
        let scenario = try Scenario.parse([UInt8](try Data(contentsOf: Self.tram)))
        #expect(scenario.steps.count == 40)
        #expect(
            scenario.organisations == [.nctv, .police, OrganisationCode("VR09")!, OrganisationCode("VR14")!])
        let demo = Double(scenario.spanSeconds) / scenario.speed
        #expect((100...140).contains(demo), "demo speed replays in \(demo) s")
        let planned = try ExercisePlan.plan(scenario, ids: ids(scenario.steps.count))
        #expect(planned.allSatisfy { $0.document.exercise })
        // The step plan of threat level 5, in order, for the province of Utrecht.
        let steps = planned.compactMap { step -> String? in
            guard case .threat(let threat) = step.document.body else { return nil }
            #expect(threat.area == .province(ProvinceCode("PV26")))
            return threat.step.rawValue
        }
        #expect(
            steps == ["proposed", "consulting", "declared", "delivered", "adviceIssued", "review", "lowered"])
        // GRIP goes up to 3 and back down; the incident is closed at the end.
        let levels = planned.compactMap { step -> String? in
            if case .grip(let change) = step.document.body { return change.level.rawValue }
            return nil
        }
        #expect(levels == ["1", "2", "3", "1", "0"])
        guard case .incident(let last)? = planned.last?.document.body else {
            Issue.record("the last step closes the incident")
            return
        }
        #expect(last.status == .closed)
        // Police-only sections exist, and no real person's name: authors are functions.
        #expect(planned.contains { $0.document.body.type == .sitrep && $0.step.organisation == .police })
        let text = try String(contentsOf: Self.tram, encoding: .utf8)
        #expect(text.contains("classification: police"))
        #expect(!text.lowercased().contains("vuurwapengevaarlijk"))
    }

    @Test("placeholders fill in earlier steps' report ids and scripted times in Amsterdam time")
    func placeholders() throws {
        let scenario = try parse(
            Self.header + "\n" + Self.incidentStep + """
                  - offset: 1h30m
                    as: NCTV
                    name: niveau
                    document:
                      type: threat
                      area: { scope: region, code: VR09 }
                      level: 3
                      step: announced
                      reason: Oefening.
                      reviewAt: "{{time+2h}}"
                      classification: partners
                  - offset: 5400
                    as: VR09
                    document:
                      type: ack
                      subject: "{{id:niveau}}"
                      by: Calamiteitencoördinator
                      note: "Gezien om {{time}} (melding {{ id:melding }})"
                      classification: partners
                """)
        let ids = ids(3)
        let planned = try ExercisePlan.plan(scenario, ids: ids)
        #expect(planned.map(\.id) == ids)
        #expect(planned[1].scriptedTime.rfc3339Seconds == "2026-03-16T12:15:00+01:00")
        guard case .threat(let threat) = planned[1].document.body,
            case .ack(let ack) = planned[2].document.body
        else {
            Issue.record("unexpected bodies")
            return
        }
        #expect(threat.reviewAt?.rfc3339Seconds == "2026-03-16T14:15:00+01:00")
        #expect(ack.subject == ids[1])
        #expect(ack.note == "Gezien om 2026-03-16T12:15:00+01:00 (melding \(ids[0]))")
        // The sent document carries the id and the exercise flag.
        let sent = try JSONParser.parse(planned[2].bytes)
        #expect(sent["id"]?.stringValue == ids[2].rawValue && sent["exercise"] == .bool(true))
        // --start now moves every scripted time with it, across daylight saving time.
        let summer = Timestamp(rfc3339: "2026-07-01T09:00:00+02:00")!
        let moved = try ExercisePlan.plan(scenario, ids: ids, start: summer)
        #expect(moved[1].scriptedTime.rfc3339Seconds == "2026-07-01T10:30:00+02:00")
    }

    @Test("a step the node would refuse is found before the run, naming the step")
    func policyIsPlayedThrough() {
        let found = problems(
            Self.header + "\n" + Self.incidentStep + """
                  - offset: 60
                    as: VR09
                    document:
                      type: threat
                      area: { scope: region, code: VR09 }
                      level: 5
                      step: declared
                      reason: Alleen NCTV mag dit.
                      classification: public
                  - offset: 120
                    as: VR14
                    document:
                      type: grip
                      incident: VR09-T-1
                      level: "3"
                      codeList: grip-2013
                      reason: Niet de leidende regio.
                      decidedAt: "{{time}}"
                      classification: partners
                  - offset: 180
                    as: POLICE
                    document:
                      type: sitrep
                      incident: VR09-ONBEKEND
                      confidence: low
                      verification: unconfirmed
                      beeld: { MULTI: { text: Onbekend incident., classification: partners } }
                """)
        #expect(found.map(\.step) == [2, 3, 4])
        #expect(found[0].message.contains("E301") && found[0].message.contains("only NCTV"))
        #expect(found[1].message.contains("E301"))
        #expect(found[2].message.contains("E402"))
    }

    @Test("scenario mistakes are reported together, each with its step and field")
    func mistakes() {
        let found = problems(
            """
            name: Test
            start: "2026-03-16 10:45"
            speed: -1
            colour: red
            steps:
              - offset: 10m
                as: VR99
                document: { type: ack, subject: "{{id:later}}", by: X, classification: partners }
              - offset: 5m
                as: NATIONAL
                name: Later
                document: { type: ack, id: 6f1c2a9e-3b7d-4c8e-9a1f-2d3e4f5a6b7c, exercise: false, by: X }
            """)
        let fields = Set(found.map { "\($0.step.map(String.init) ?? "-"):\($0.field)" })
        for expected in [
            "-:colour", "-:start", "-:speed", "1:as", "2:offset", "2:as", "2:name", "2:document.id",
            "2:document.exercise",
        ] {
            #expect(fields.contains(expected), "missing \(expected) in \(fields)")
        }
    }

    @Test("a reference to a later or unknown step, or a malformed placeholder, is refused")
    func badReferences() {
        let later = problems(
            Self.header + """

                  - offset: 0
                    as: VR09
                    document: { type: ack, subject: "{{id:niveau}}", by: X, classification: partners }
                  - offset: 1
                    as: NCTV
                    name: niveau
                    document:
                      type: threat
                      area: { scope: national }
                      level: 3
                      step: announced
                      reason: Oefening.
                      classification: partners
                """)
        #expect(later.first?.step == 1 && later.first?.message.contains("no earlier step") == true)
        let malformed = problems(
            Self.header + "\n" + Self.incidentStep.replacingOccurrences(of: "{{time}}", with: "{{tijd}}"))
        #expect(malformed.first?.step == 1 && malformed.first?.field == "{{tijd}}")
        let literal = problems(
            Self.header + "\n" + Self.incidentStep + """
                  - offset: 1
                    as: VR09
                    document: { type: ack, subject: 6f1c2a9e-3b7d-4c8e-9a1f-2d3e4f5a6b7c, by: X, classification: partners }
                """)
        #expect(literal.first?.step == 2 && literal.first?.field == "document.subject")
    }

    @Test("an invalid document inside a step is reported with the protocol's code and the step")
    func invalidDocument() {
        let found = problems(
            Self.header + "\n" + Self.incidentStep.replacingOccurrences(of: "kind: fire", with: "kind: vuur"))
        #expect(found.count == 1)
        #expect(found.first?.step == 1 && found.first?.field == "document.kind")
        #expect(found.first?.message.contains("E205") == true)
    }

    @Test("durations read as seconds: plain, h/m/s in order; anything else is refused")
    func durations() {
        #expect(ScenarioDuration.seconds(text: "90") == 90)
        #expect(ScenarioDuration.seconds(text: "45m") == 2_700)
        #expect(ScenarioDuration.seconds(text: "1h25m") == 5_100)
        #expect(ScenarioDuration.seconds(text: "2h0m30s") == 7_230)
        for bad in ["", "m", "1x", "25m1h", "1h1h", "1.5h", "-3m", "99999999999h"] {
            #expect(ScenarioDuration.seconds(text: bad) == nil, "\(bad)")
        }
    }

    @Test("pace: a factor divides scripted time, max waits for nothing")
    func pace() {
        #expect(ExercisePace(text: "max") == .max)
        #expect(ExercisePace(text: "330") == .factor(330))
        #expect(ExercisePace(text: "0") == nil && ExercisePace(text: "fast") == nil)
        #expect(ExercisePace.factor(330).delay(afterFirst: 39_480) == .milliseconds(119_636))
        #expect(ExercisePace.max.delay(afterFirst: 39_480) == .zero)
    }
}
