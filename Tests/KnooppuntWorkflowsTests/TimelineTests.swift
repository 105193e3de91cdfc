import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

@Suite("Incident timeline")
struct TimelineTests {
    let builder = TimelineBuilder()
    let national = View.organisation(.national)

    /// Incident VR09-1 with GRIP, a police sitrep, threat level 5 for PV26 with a request for
    /// acknowledgement (VR09 in time, POLICE late, VR14 never), a measure; plus noise: another
    /// incident, a threat elsewhere, and an exercise incident with the same id.
    func log() throws -> (LogBuilder, threat: Update) {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1"), as: Org.vr09)  // 1
        try log.commit(Docs.incident("VR13-9", kind: "fire"), as: Org.vr13)  // 2 (other incident)
        try log.commit(Docs.grip("VR09-1", "1"), as: Org.vr09)  // 3
        try log.commit(Docs.policeSitrep("VR09-1"), as: .police)  // 4
        let threat = try log.commit(
            Docs.threat(["scope": "province", "code": "PV26"], level: 5, step: "declared"), as: .nctv)  // 5
        try log.commit(
            Docs.threat(["scope": "province", "code": "PV27"], level: 5, step: "declared"), as: .nctv)  // 6
        // The deadline falls between the VR09 acknowledgement (10:45:08) and the police's (10:45:10).
        try log.commit(
            Docs.ackRequest(
                threat.report.id, parties: ["VR09", "POLICE", "VR14"], deadline: "2019-03-18T10:45:09+01:00"),
            as: .nctv)  // 7
        try log.commit(Docs.ack(threat.report.id, by: "Calamiteitencoördinator VR09"), as: Org.vr09)  // 8
        try log.commit(Docs.incident("VR09-1", exercise: true), as: Org.vr09)  // 9 (exercise)
        try log.commit(
            Docs.ack(threat.report.id, by: "OvD Politie", classification: ["parties": ["POLICE", "NCTV"]]),
            as: .police)  // 10
        try log.commit(Docs.measure("GM0344", incident: "VR09-1"), as: Org.vr09)  // 11
        try log.commit(Docs.grip("VR09-1", "3"), as: Org.vr09)  // 12
        try log.commit(Docs.incident("VR09-1", status: "closed"), as: Org.vr09)  // 13
        try log.commit(
            Docs.threat(["scope": "province", "code": "PV26"], level: 4, step: "lowered"), as: .nctv)  // 14
        return (log, threat)
    }

    @Test(
        "the timeline holds the incident's reports, its area's threat levels and their acknowledgements, in order"
    )
    func selection() throws {
        let (log, _) = try log()
        let timeline = try builder.build(
            incident: IncidentID("VR09-1")!, exercise: false, records: log.updates, delivered: [:],
            view: national)
        #expect(timeline.entries.map(\.sequence) == [1, 3, 4, 5, 7, 8, 10, 11, 12, 13])
        #expect(
            timeline.entries.map(\.type) == [
                .incident, .grip, .sitrep, .threat, .ackRequest, .ack, .ack, .measure, .grip, .incident,
            ])
        // Commit times in Amsterdam, whole seconds, with the offset.
        #expect(timeline.entries[0].committed.rfc3339Seconds == "2019-03-18T10:45:01+01:00")
        #expect(timeline.entries[1].summary.hasPrefix("GRIP 1"))
    }

    @Test("acknowledgements per report: who, when, late after the deadline, and who is missing")
    func acknowledgements() throws {
        let (log, threat) = try log()
        let timeline = try builder.build(
            incident: IncidentID("VR09-1")!, exercise: false, records: log.updates, delivered: [:],
            view: national)
        let entry = try #require(timeline.entries.first { $0.report == threat.report.id })
        let status = try #require(entry.acknowledgement)
        #expect(status.requestedBy == .nctv)
        #expect(status.parties == [.police, Org.vr09, Org.vr14])
        #expect(status.given.map(\.organisation) == [Org.vr09, .police])
        #expect(status.given.map(\.late) == [false, true])
        #expect(status.given[0].by == "Calamiteitencoördinator VR09")
        // The police's acknowledgement is for POLICE and NCTV only: the desk sees that it came, not who.
        #expect(status.given[1].by == nil)
        #expect(status.missing == [Org.vr14])
    }

    @Test("delivery: a report reached the daemons whose mirror holds its sequence")
    func delivery() throws {
        let (log, _) = try log()
        let delivered: [OrganisationCode: Set<SequenceNumber>] = [
            Org.vr09: Set(1...14), .police: Set(1...14), Org.vr14: Set(1...4),
        ]
        let timeline = try builder.build(
            incident: IncidentID("VR09-1")!, exercise: false, records: log.updates, delivered: delivered,
            view: national)
        #expect(timeline.checked == [.police, Org.vr09, Org.vr14])
        #expect(
            timeline.entries[0].reached == [.police, Org.vr09, Org.vr14]
                && timeline.entries[0].notReached.isEmpty)
        let threat = timeline.entries[3]
        #expect(threat.reached == [.police, Org.vr09] && threat.notReached == [Org.vr14])
        #expect(timeline.markdown.contains("2/3; not VR14"))
    }

    @Test("content is shown in the view asked for: police-only sections are named, never shown")
    func needToKnow() throws {
        let (log, _) = try log()
        let incident = IncidentID("VR09-1")!
        let desk = try builder.build(
            incident: incident, exercise: false, records: log.updates, delivered: [:], view: national)
        let police = try builder.build(
            incident: incident, exercise: false, records: log.updates, delivered: [:],
            view: .organisation(.police))
        let sitrepAtDesk = desk.entries[2]
        #expect(sitrepAtDesk.withheld == ["beeld.POL (police)"])
        #expect(sitrepAtDesk.fields["beeld"]?["POL"] == nil)
        #expect(!desk.formatted(.json).contains("Arrestatieteam"))
        #expect(
            !desk.formatted(.md).contains("Arrestatieteam")
                && !desk.formatted(.csv).contains("Arrestatieteam"))
        #expect(police.entries[2].fields["beeld"]?["POL"]?.stringValue == "Arrestatieteam bij adres X.")
        #expect(police.entries[2].withheld.isEmpty)
    }

    @Test("the exercise incident of the same id is a timeline of its own; a missing one says how to ask")
    func exerciseIsSeparate() throws {
        let (log, _) = try log()
        let exercise = try builder.build(
            incident: IncidentID("VR09-1")!, exercise: true, records: log.updates, delivered: [:],
            view: national)
        #expect(exercise.entries.map(\.sequence) == [9])
        do {
            _ = try builder.build(
                incident: IncidentID("VR09-404")!, exercise: false, records: log.updates, delivered: [:],
                view: national)
            Issue.record("an unknown incident is an error")
        } catch let error as WorkflowError {
            #expect(error.code == .notFound && error.message.contains("--exercise"))
        }
    }

    @Test("formats: JSON lists every entry with its fields; CSV quotes per RFC 4180; markdown is one table")
    func formats() throws {
        let (log, _) = try log()
        let timeline = try builder.build(
            incident: IncidentID("VR09-1")!, exercise: false, records: log.updates, delivered: [:],
            view: national)
        let json = try JSONParser.parse(Array(timeline.formatted(.json).utf8))
        let entries = try #require(json["entries"]?.arrayValue)
        #expect(entries.compactMap { $0["sequence"]?.integerValue } == [1, 3, 4, 5, 7, 8, 10, 11, 12, 13])
        #expect(entries[0]["fields"]?["title"]?.stringValue == "Schietincident in een tram")
        #expect(entries[3]["acknowledgement"]?["missing"] == ["VR14"])
        let csv = timeline.formatted(.csv).split(separator: "\r\n")
        #expect(csv.count == 11)
        #expect(csv[0].hasPrefix("sequence,epoch,committed,origin,type,report,summary"))
        // The GRIP reason carries a comma and a quote: the cell is quoted, the quote doubled.
        #expect(csv[2].contains(",\"GRIP 1; Opschaling, \"\"ROT\"\" bijeen\","))
        let md = timeline.formatted(.md)
        #expect(md.hasPrefix("# Timeline of incident VR09-1"))
        #expect(md.split(separator: "\n").filter { $0.hasPrefix("| ") }.count == 11)
    }
}
