import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

@Suite("GRIP advice and time-to-GRIP-3")
struct GRIPAdvisorTests {
    let advisor = GRIPAdvisor()

    func records(_ log: LogBuilder, view: View = .organisation(.national)) -> [WorkflowRecord] {
        log.updates.map { WorkflowRecord($0, view: view) }
    }

    func state(
        _ log: LogBuilder, _ id: String = "VR09-1", exercise: Bool = false, now: Int64? = nil
    )
        -> IncidentGRIPState?
    {
        let now = now ?? (log.updates.last?.committedAt ?? 0)
        return advisor.incidents(in: records(log), now: now).first {
            $0.incident.rawValue == id && $0.exercise == exercise
        }
    }

    @Test("a possible terrorist attack below GRIP 3 is advised GRIP 3 at once, until GRIP 3 is decided")
    func terroristAttackAdvice() throws {
        let log = LogBuilder()
        let incident = try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        var advice = try #require(state(log)?.advice)
        #expect(advice.target == .grip3)
        #expect(advice.reasons == [.possibleTerroristAttack])
        #expect(advice.since == incident.committedAt)
        #expect(advice.message.contains("GRIP 3"))

        try log.commit(Docs.grip("VR09-1", "2"), as: Org.vr09)
        advice = try #require(state(log)?.advice)
        #expect(advice.target == .grip3 && advice.message.contains("at GRIP 2"))

        try log.commit(Docs.grip("VR09-1", "3"), as: Org.vr09)
        #expect(state(log)?.advice == nil)
        #expect(state(log)?.grip == .grip3)
    }

    @Test("an ordinary incident gets no advice; marked a possible terrorist attack later, it does from then")
    func markedLater() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1", kind: "shooting"), as: Org.vr09)
        try log.commit(Docs.grip("VR09-1", "1"), as: Org.vr09)
        #expect(state(log)?.advice == nil)
        let marked = try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        #expect(state(log)?.advice?.since == marked.committedAt)
        #expect(state(log)?.markedTerroristAt == marked.committedAt)
    }

    @Test("an incident touching two regions is advised GRIP 5; GRIP Rijk is never advised")
    func severalRegions() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1", kind: "shooting"), as: Org.vr09)
        try log.commit(Docs.grip("VR09-1", "3"), as: Org.vr09)
        #expect(state(log)?.advice == nil)
        let wider = try log.commit(Docs.advice("VR09-1", regions: ["VR09", "VR14"]), as: Org.vr09)
        let advice = try #require(state(log)?.advice)
        #expect(advice.target == .grip5)
        #expect(advice.reasons == [.severalRegions])
        #expect(advice.since == wider.committedAt)
        #expect(state(log)?.regions == [Org.vr09, Org.vr14])
        #expect(advice.message.contains("VR09, VR14"))

        try log.commit(Docs.grip("VR09-1", "5"), as: Org.vr09)
        #expect(state(log)?.advice == nil)
        try log.commit(Docs.grip("VR09-1", "RIJK"), as: Org.vr09)
        #expect(state(log)?.advice == nil)
        #expect(state(log)?.grip == .rijk)
        // Whatever the level, no advice ever targets GRIP Rijk.
        for level in ["0", "1", "2", "3", "4"] {
            try log.commit(Docs.grip("VR09-1", level), as: Org.vr09)
            #expect(state(log)?.advice?.target == .grip5)
        }
    }

    @Test("both reasons together advise GRIP 5; a measure in another region's municipality counts")
    func bothReasons() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        try log.commit(Docs.measure("GM0402", incident: "VR09-1"), as: Org.vr14)  // Hilversum, VR14
        let advice = try #require(state(log)?.advice)
        #expect(advice.target == .grip5)
        #expect(Set(advice.reasons) == [.possibleTerroristAttack, .severalRegions])
    }

    @Test("linked incidents in two regions are each advised GRIP 5")
    func linkedIncidents() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1", kind: "shooting"), as: Org.vr09)
        var linked = Docs.incident("VR14-7", kind: "other").objectValue!
        linked["location"] = ["municipality": "GM0402"]
        linked["lead"] = ["organisation": "VR14", "function": "Burgemeester van Hilversum"]
        linked["linked"] = ["VR09-1"]
        try log.commit(.object(linked), as: Org.vr14)
        #expect(state(log, "VR09-1")?.advice?.target == .grip5)
        #expect(state(log, "VR14-7")?.advice?.target == .grip5)
    }

    @Test("closed incidents get no advice; exercise incidents are kept apart from real ones")
    func closedAndExercise() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1", exercise: true), as: Org.vr09)
        try log.commit(Docs.incident("VR09-1", kind: "fire"), as: Org.vr09)
        #expect(state(log, exercise: true)?.advice?.target == .grip3)
        #expect(state(log, exercise: false)?.advice == nil)
        try log.commit(Docs.incident("VR09-1", exercise: true, status: "closed"), as: Org.vr09)
        #expect(state(log, exercise: true)?.advice == nil)
    }

    @Test("nothing is guessed from a section the view may not read")
    func withheld() throws {
        let log = LogBuilder()
        try log.commit(
            Docs.incident("VR09-1", classification: ["parties": ["VR09", "POLICE"]]), as: Org.vr09)
        let national = try #require(state(log))
        #expect(national.kind == nil && national.advice == nil)
        let police = advisor.incidents(in: records(log, view: .organisation(.police)), now: 0).first
        #expect(police?.advice?.target == .grip3)
    }

    @Test("time-to-GRIP-3 counts from the first report on the node's clock and from the stated times")
    func timeToGRIP3() throws {
        let log = LogBuilder()
        let opened = try log.commit(Docs.incident("VR09-1", kind: "shooting"), as: Org.vr09)
        try log.commit(Docs.grip("VR09-1", "1"), as: Org.vr09)
        let marked = try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        let later = opened.committedAt + 3_600_000
        let waiting = try #require(state(log, now: later))
        #expect(waiting.gripThree.reached == nil)
        #expect(waiting.gripThree.afterOpenedMs == 3_600_000)
        #expect(waiting.gripThreeText == "no GRIP 3 after 1h00m")

        let three = try log.commit(Docs.grip("VR09-1", "3"), as: Org.vr09)
        try log.commit(Docs.grip("VR09-1", "1"), as: Org.vr09)
        let done = try #require(state(log))
        #expect(done.grip == .grip1, "scaled down again since")
        #expect(done.gripThree.reached?.sequence == three.sequence)
        #expect(done.gripThree.afterOpenedMs == three.committedAt - opened.committedAt)
        #expect(done.gripThree.afterAdviceMs == three.committedAt - marked.committedAt)
        // The documents say: started 10:45:00, GRIP 3 decided 11:00:00.
        #expect(done.gripThree.statedMs == Int64(15 * 60_000))
        #expect(done.history.map(\.level) == [.grip1, .grip3, .grip1])

        // From the picture alone (the latest GRIP only) the earlier GRIP 3 is not known.
        let latestOnly = records(log).filter { $0.sequence != three.sequence && $0.sequence != 2 }
        let partial = advisor.incidents(in: latestOnly, now: 0).first
        #expect(partial?.gripThree.reached == nil)
    }

    @Test("the board as JSON lists the advice and time-to-GRIP-3 in Europe/Amsterdam time")
    func boardJSON() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        try log.commit(Docs.grip("VR09-1", "2"), as: Org.vr09)
        let board = advisor.board(records: records(log), now: log.updates.last!.committedAt)
        let advice = try #require(board["advice"]?.arrayValue?.first)
        #expect(advice["incident"] == "VR09-1")
        #expect(advice["grip"] == "2")
        #expect(advice["advice"]?["target"] == "3")
        #expect(advice["advice"]?["reasons"] == ["possibleTerroristAttack"])
        #expect(advice["advice"]?["since"] == "2019-03-18T10:45:01+01:00")
        #expect(advice["timeToGRIP3"]?["reached"] == false)
        #expect(advice["history"]?.arrayValue?.count == 1)
        let parsed = try JSONParser.parse(JSONWriter.canonical(board))
        #expect(parsed == board)
    }
}
