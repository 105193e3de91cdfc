import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntWeb

@Suite("The picture as the screens read it")
struct PictureDigestTests {
    @Test("regions get the same GRIP and threat level as the terminal's summary")
    func agreesWithPictureSummary() {
        var sample = SamplePicture()
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.grip("3"), from: .init("VR09")!)
        sample.add(Samples.incident("VR17-20250611-02", municipality: "GM0599"), from: .init("VR17")!)
        sample.add(Samples.threat(level: 4), from: .nctv)
        sample.add(Samples.threat(level: 2, area: ("national", nil)), from: .nctv)
        let digest = sample.digest()
        let summary = PictureSummary(picture: sample.picture, view: sample.view)
        #expect(digest.regions.count == 25)
        for (ours, theirs) in zip(digest.regions, summary.regions) {
            #expect(ours.code == theirs.code)
            #expect(ours.grip == theirs.grip, "GRIP of \(ours.code)")
            #expect(ours.threatLevel == theirs.threatLevel, "threat level of \(ours.code)")
            #expect(ours.openIncidents.count == theirs.openIncidents, "open incidents of \(ours.code)")
        }
        let utrecht = digest.region(.init("VR09")!)!
        #expect(utrecht.grip == .grip3 && utrecht.threatLevel == 4 && utrecht.threatArea == "PV26")
        #expect(digest.region(.init("VR01")!)?.threatLevel == 2)
    }

    @Test(
        "a possible terrorist attack below GRIP 3 carries the node's GRIP 3 advice to the screens until GRIP 3"
    )
    func gripAdvice() throws {
        var sample = SamplePicture()
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.grip("2"), from: .init("VR09")!)
        let advised = try #require(sample.digest().incident(Samples.incidentID))
        #expect(advised.gripAdvice?.target == .grip3)
        let json = advised.json(full: false)
        #expect(json["gripAdvice"]?["target"] == "3")
        #expect(json["gripAdvice"]?["reasons"] == ["possibleTerroristAttack"])
        #expect(json["gripAdvice"]?["message"]?.stringValue?.hasPrefix("Scale up to GRIP 3") == true)
        #expect(json["timeToGRIP3"]?.stringValue?.hasPrefix("no GRIP 3 after") == true)
        // The screens speak Dutch by default: the advice and the time to GRIP 3 in both languages.
        #expect(
            json["gripAdvice"]?["messages"]?["nl"]
                == "Opschalen naar GRIP 3: mogelijke terroristische aanslag, nu op GRIP 2.")
        #expect(json["gripAdvice"]?["messages"]?["en"] == json["gripAdvice"]?["message"])
        #expect(json["timeToGRIP3Texts"]?["nl"]?.stringValue?.hasPrefix("geen GRIP 3 na ") == true)
        #expect(json["timeToGRIP3Texts"]?["en"] == json["timeToGRIP3"])

        sample.add(Samples.grip("3"), from: .init("VR09")!)
        let decided = try #require(sample.digest().incident(Samples.incidentID))
        #expect(decided.gripAdvice == nil)
        #expect(decided.json(full: true)["gripAdvice"] == nil)
        #expect(decided.timeToGRIP3?.hasPrefix("GRIP 3 after") == true)
    }

    @Test("an incident touching two regions is advised GRIP 5 on the screens; GRIP Rijk never")
    func gripFiveAdvice() throws {
        var sample = SamplePicture()
        var incident = Samples.incident().objectValue!
        incident["kind"] = "shooting"
        sample.add(.object(incident), from: .init("VR09")!)
        sample.add(Samples.grip("3"), from: .init("VR09")!)
        #expect(sample.digest().incident(Samples.incidentID)?.gripAdvice == nil, "one region at GRIP 3")
        sample.add(Samples.sitrep("Ook in Amersfoort", incident: Samples.incidentID), from: .init("VR14")!)
        let advised = try #require(sample.digest().incident(Samples.incidentID))
        #expect(advised.gripAdvice?.target == .grip5)
        #expect(advised.gripAdvice?.reasons == [.severalRegions])
        #expect(
            advised.gripAdvice?.dutchMessage
                == "Opschalen naar GRIP 5 (bovenregionale coördinatie): raakt VR09, VR14, nu op GRIP 3.")
        sample.add(Samples.grip("RIJK"), from: .init("VR09")!)
        #expect(sample.digest().incident(Samples.incidentID)?.gripAdvice == nil)
    }

    @Test("measures side by side: municipalities under the same threat level, one column per kind")
    func measuresSideBySide() throws {
        var sample = SamplePicture()
        sample.add(Samples.threat(level: 5), from: .nctv)
        func measure(_ municipality: String, _ kinds: [String]) -> JSONValue {
            [
                "type": "measure", "municipality": .string(municipality), "classification": "partners",
                "measures": .array(
                    kinds.map { ["kind": .string($0), "text": .string("\($0) \(municipality)")] }),
            ]
        }
        sample.add(measure("GM0344", ["stayInside", "schoolsClosed"]), from: .init("VR09")!)
        sample.add(measure("GM0356", ["stayInside"]), from: .init("VR09")!)
        let json = sample.digest().json["measuresSideBySide"]
        let group = try #require(json?["groups"]?.arrayValue?.first)
        #expect(group["level"] == 5 && group["areas"] == ["PV26"])
        #expect(group["kinds"] == ["stayInside", "schoolsClosed"])
        let rows = group["municipalities"]?.arrayValue ?? []
        #expect(rows.compactMap { $0["code"]?.stringValue } == ["GM0344", "GM0356"])
        #expect(rows.last?["measures"]?.arrayValue?.count == 1, "Nieuwegein closed no schools: it stands out")
        #expect(sample.digest().json["exerciseMeasuresSideBySide"]?["groups"] == [])
    }

    @Test("a proposed level 5 does not change a region's level on the screens, as in watch")
    func proposalNotInForce() {
        var sample = SamplePicture()
        sample.add(Samples.threat(level: 3, area: ("national", nil)), from: .nctv)
        var proposal = Samples.threat(level: 5).objectValue!
        proposal["step"] = "proposed"
        proposal["classification"] = "national"
        proposal.removeValue(forKey: "actionAdvice")
        sample.add(.object(proposal), from: .nctv)
        let digest = sample.digest()
        let summary = PictureSummary(picture: sample.picture, view: sample.view)
        #expect(digest.region(.init("VR09")!)?.threatLevel == 3)
        #expect(summary.regions.first { $0.code.rawValue == "VR09" }?.threatLevel == 3)
        #expect(digest.threats.first { $0.area == "PV26" }?.inForce == false)
    }

    @Test("an overdue acknowledgement is an alarm on the desk until a person of the desk acknowledges it")
    func alarms() throws {
        var sample = SamplePicture()
        let threat = sample.add(Samples.threat(level: 5), from: .nctv)
        // Commits are a minute apart: the deadline falls after VR09's acknowledgement.
        let deadlineMs = sample.now + 150_000
        let deadline = Timestamp(millisecondsSinceEpoch: deadlineMs).inAmsterdam.rfc3339Seconds
        let request = sample.add(
            Samples.ackRequest(subject: threat, parties: ["VR09", "VR14"], deadline: deadline), from: .nctv)
        let applied = ["VR09": sample.picture.lastSequence]
        sample.add(Samples.ack(subject: threat, by: "Calamiteitencoördinator VR09"), from: .init("VR09")!)
        #expect(sample.digest(now: deadlineMs - 1, applied: applied).alarms.isEmpty)

        let open = try #require(
            sample.digest(now: deadlineMs + 1, applied: applied).json["alarms"]?.arrayValue)
        #expect(open.count == 1)
        #expect(open.first?["request"]?.stringValue == request.rawValue)
        #expect(open.first?["alarm"]?["state"] == "open")
        #expect(open.first?["alarm"]?["missing"] == ["VR14"])
        #expect(open.first?["alarm"]?["notDelivered"] == ["VR14"])
        #expect(
            sample.digest(now: deadlineMs + 1).alarms.first?.alarm?.notDelivered == [], "no board: unknown")

        sample.add(Samples.ack(subject: request, by: "Officier van dienst LOCC"), from: .national)
        let answered = try #require(sample.digest(applied: applied).alarms.first?.alarm)
        #expect(answered.state == .acknowledged && answered.acknowledgedBy?.by == "Officier van dienst LOCC")
    }

    @Test("every step of the level-5 plan is on the desk with its time, from the history it holds")
    func threatSteps() {
        var sample = SamplePicture()
        for step in ["proposed", "consulting", "declared"] {
            var threat = Samples.threat(level: 5).objectValue!
            threat["step"] = .string(step)
            threat.removeValue(forKey: "actionAdvice")
            sample.add(.object(threat), from: .nctv)
        }
        let withHistory = sample.digest(withHistory: true).json["threats"]?.arrayValue?.first
        let steps = withHistory?["steps"]?.arrayValue ?? []
        #expect(steps.compactMap { $0["step"]?.stringValue } == ["proposed", "consulting", "declared"])
        #expect(steps.allSatisfy { $0["committedAtText"]?.stringValue != nil })
        // The picture alone keeps the latest step per area.
        let pictureOnly = sample.digest().json["threats"]?.arrayValue?.first?["steps"]?.arrayValue
        #expect(pictureOnly?.compactMap { $0["step"]?.stringValue } == ["declared"])
    }

    @Test("the desk flags a level 5 whose periodic review is due")
    func reviewDue() throws {
        var sample = SamplePicture()
        let reviewAt = sample.now + 3_600_000
        var threat = Samples.threat(level: 5).objectValue!
        threat["reviewAt"] = .string(Timestamp(millisecondsSinceEpoch: reviewAt).inAmsterdam.rfc3339Seconds)
        sample.add(.object(threat), from: .nctv)
        #expect(sample.digest(now: reviewAt - 1).threats.first?.reviewDue == false)
        let due = try #require(sample.digest(now: reviewAt + 1).json["threats"]?.arrayValue?.first)
        #expect(due["reviewDue"] == true)
    }

    @Test("a section the view may not read shows as withheld, never as content")
    func withheldSections() {
        var sample = SamplePicture(view: .organisation(.init("VR09")!))
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.sitrep("Situatie onder controle", police: "Opsporing loopt"), from: .police)
        let sitrep = sample.digest().incident(Samples.incidentID)!.sitreps[0]
        #expect(sitrep.beeld.first { $0.discipline == "MULTI" }?.text == "Situatie onder controle")
        #expect(sitrep.beeld.first { $0.discipline == "POL" }?.text == nil)
        #expect(sitrep.withheld == ["beeld.POL"])
        let json = String(decoding: JSONWriter.canonical(sitrep.json), as: UTF8.self)
        #expect(!json.contains("Opsporing"))
    }

    @Test("the acknowledgement board shows who acknowledged, who received it and who is overdue")
    func acknowledgementBoard() {
        var sample = SamplePicture()
        let threat = sample.add(Samples.threat(level: 5), from: .nctv)
        sample.add(
            Samples.ackRequest(
                subject: threat, parties: ["VR09", "VR14", "POLICE"], deadline: "2025-06-11T11:45:00+02:00"),
            from: .nctv)
        let requestSequence = sample.picture.lastSequence
        sample.add(Samples.ack(subject: threat, by: "Calamiteitencoördinator VR09"), from: .init("VR09")!)
        let applied = ["VR09": requestSequence, "VR14": requestSequence]
        let deadline = Timestamp(rfc3339: "2025-06-11T11:45:00+02:00")!.millisecondsSinceEpoch

        let before = sample.digest(now: deadline - 1, applied: applied).acknowledgements[0]
        #expect(before.subjectSummary == "threat level 5 · PV26")
        #expect(before.subjectSummaries[.dutch] == "dreigingsniveau 5 · PV26")
        #expect(before.json["subjectSummaries"]?["nl"] == "dreigingsniveau 5 · PV26")
        #expect(before.requestedBy == "NCTV")
        func states(_ request: AcknowledgementBoard.Request) -> [String: AcknowledgementBoard.PartyState] {
            Dictionary(uniqueKeysWithValues: request.parties.map { ($0.code, $0.state) })
        }
        #expect(states(before) == ["VR09": .acknowledged, "VR14": .delivered, "POLICE": .waiting])
        #expect(before.parties.first { $0.code == "VR09" }?.by == "Calamiteitencoördinator VR09")

        let after = sample.digest(now: deadline + 1, applied: applied).acknowledgements[0]
        #expect(states(after) == ["VR09": .acknowledged, "VR14": .overdue, "POLICE": .overdue])
        #expect(after.parties.first { $0.code == "POLICE" }?.delivered == false)
        #expect(after.parties.first { $0.code == "VR14" }?.delivered == true)
        #expect(Set(after.overdue) == ["VR14", "POLICE"])
    }

    @Test("exercise reports are flagged and never change the real regions")
    func exerciseStaysApart() {
        var sample = SamplePicture()
        sample.add(Samples.incident(exercise: true), from: .init("VR09")!)
        sample.add(Samples.grip("4", exercise: true), from: .init("VR09")!)
        let digest = sample.digest()
        #expect(digest.region(.init("VR09")!)?.grip == nil)
        #expect(digest.region(.init("VR09")!, exercise: true)?.grip == .grip4)
        #expect(digest.exerciseEntries == 2)
        #expect(digest.incident(Samples.incidentID, exercise: true) != nil)
        #expect(digest.incident(Samples.incidentID) == nil)
    }

    @Test("the timeline keeps earlier sitreps of the same organisation from the history")
    func timelineFromHistory() {
        var sample = SamplePicture()
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.sitrep("Eerste beeld"), from: .init("VR09")!)
        sample.add(Samples.grip("2"), from: .init("VR09")!)
        sample.add(Samples.sitrep("Tweede beeld"), from: .init("VR09")!)
        sample.add(Samples.grip("3"), from: .init("VR09")!)
        let latestOnly = sample.digest().incident(Samples.incidentID)!
        #expect(latestOnly.sitreps.count == 1)
        let full = sample.digest(withHistory: true).incident(Samples.incidentID)!
        #expect(full.sitreps.map { $0.beeld[0].text } == ["Eerste beeld", "Tweede beeld"])
        #expect(full.gripHistory.map(\.level) == ["2", "3"])
        #expect(full.grip?.level == "3")
    }

    @Test("a daemon's PICTURE answer reads the same as the mirror's entry")
    func pictureJSONReadsTheSame() {
        var sample = SamplePicture(view: .organisation(.init("VR09")!))
        sample.add(Samples.incident(), from: .init("VR09")!)
        sample.add(Samples.sitrep("Beeld", police: "Alleen politie"), from: .police)
        for entry in sample.picture.entries.values {
            let json: JSONValue = [
                "key": .string(entry.key), "sequence": .integer(Int64(entry.sequence)),
                "epoch": .integer(Int64(entry.epoch)), "committedAt": .integer(entry.committedAt),
                "report": entry.report.visibleJSON,
            ]
            let fromJSON = DigestEntry(json: json)!
            let fromEntry = DigestEntry(entry)
            #expect(fromJSON.key == fromEntry.key && fromJSON.sequence == fromEntry.sequence)
            #expect(fromJSON.id == fromEntry.id && fromJSON.origin == fromEntry.origin)
            #expect(fromJSON.sections.map(\.name) == fromEntry.sections.map(\.name))
            #expect(fromJSON.sections.map(\.content) == fromEntry.sections.map(\.content))
            #expect(fromJSON.meta == fromEntry.meta && fromJSON.created == fromEntry.created)
        }
    }

    @Test("times are shown in Europe/Amsterdam, summer and winter")
    func amsterdamTimes() {
        #expect(AmsterdamTime.text(rfc3339: "2025-06-11T08:42:00Z") == "2025-06-11T10:42:00+02:00")
        #expect(AmsterdamTime.text(rfc3339: "2019-03-18T09:45:00Z") == "2019-03-18T10:45:00+01:00")
    }
}
