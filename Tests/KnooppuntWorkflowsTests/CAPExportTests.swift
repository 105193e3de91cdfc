import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntWorkflows
import StrictJSON
import Testing

@Suite("CAP 1.2 export")
struct CAPExportTests {
    let exporter = CAPExport()

    /// A log with an incident, GRIP 3 and two public advice sitreps, and threat level 5 for
    /// the province of Utrecht with action advice, then lowered.
    func log(exercise: Bool = false) throws -> (LogBuilder, [String: Update]) {
        let log = LogBuilder()
        var named: [String: Update] = [:]
        named["incident"] = try log.commit(
            Docs.incident("VR09-1", exercise: exercise, classification: "public"), as: Org.vr09)
        named["grip"] = try log.commit(Docs.grip("VR09-1", "3", exercise: exercise), as: Org.vr09)
        named["advice"] = try log.commit(Docs.advice("VR09-1", exercise: exercise), as: Org.vr09)
        named["advice2"] = try log.commit(
            Docs.advice("VR09-1", exercise: exercise, actionAdvice: "U hoeft niet meer binnen te blijven."),
            as: Org.vr09)
        let province: JSONValue = ["scope": "province", "code": "PV26"]
        named["threat"] = try log.commit(
            Docs.threat(
                province, level: 5, step: "adviceIssued", advice: "Mijd drukke plaatsen.", exercise: exercise),
            as: .nctv)
        named["lowered"] = try log.commit(
            Docs.threat(province, level: 4, step: "lowered", exercise: exercise), as: .nctv)
        return (log, named)
    }

    func context(_ log: LogBuilder) -> [Update] {
        log.updates.filter { [.incident, .grip].contains($0.report.envelope.type) }
    }

    @Test("a sitrep's crisis communication exports as a CAP alert that xmllint validates against the schema")
    func sitrepAlertIsValid() throws {
        let (log, named) = try log()
        let alert = try exporter.alert(from: named["advice"]!, context: context(log))
        let problems = try XMLLint.problems(alert.xml)
        #expect(problems == nil, "\(problems ?? "")\n\(alert.xml)")
        #expect(alert.status == .actual && alert.msgType == .alert && alert.scope == .publicScope)
        #expect(CAPText.values("language", in: alert.xml) == ["nl-NL"])
        #expect(
            CAPText.values("instruction", in: alert.xml) == ["Blijf binnen en houd ramen en deuren gesloten."]
        )
        #expect(CAPText.values("responseType", in: alert.xml) == ["Shelter"])
        #expect(CAPText.values("category", in: alert.xml) == ["Security"])
        // GRIP 3 and a possible attack: severe; confirmed: observed; open incident: immediate.
        #expect(CAPText.values("severity", in: alert.xml) == ["Severe"])
        #expect(CAPText.values("certainty", in: alert.xml) == ["Observed"])
        #expect(CAPText.values("urgency", in: alert.xml) == ["Immediate"])
        #expect(CAPText.values("incidents", in: alert.xml) == ["VR09-1"])
        #expect(
            CAPText.values("event", in: alert.xml) == [
                "Mogelijke terroristische aanslag: Schietincident in een tram"
            ])
        #expect(
            CAPText.values("areaDesc", in: alert.xml) == ["Veiligheidsregio Utrecht", "Gemeente Utrecht"])
    }

    @Test("sent is the node's commit time in Amsterdam with an explicit offset and no fractions")
    func sentHasOffsetAndNoFraction() throws {
        let (log, named) = try log()
        let alert = try exporter.alert(from: named["advice"]!, context: context(log))
        let sent = try #require(CAPText.values("sent", in: alert.xml).first)
        // Committed 10:45:03.250 CET: written in seconds with +01:00, never "Z" or ".250".
        #expect(sent == "2019-03-18T10:45:03+01:00")
    }

    @Test("a threat level's action advice exports with one area per region of its province, valid")
    func threatAlertIsValid() throws {
        let (log, _) = try log()
        let chosen = try exporter.select(.threat("PV26"), exercise: false, cancel: false, from: log.updates)
        #expect(chosen.report.envelope.type == .threat)
        let alert = try exporter.alert(from: chosen)
        #expect(try XMLLint.problems(alert.xml) == nil)
        #expect(CAPText.values("event", in: alert.xml) == ["Dreigingsniveau 5 (Kritiek)"])
        #expect(CAPText.values("severity", in: alert.xml) == ["Extreme"])
        #expect(CAPText.values("responseType", in: alert.xml) == ["Avoid"])
        #expect(CAPText.values("expires", in: alert.xml) == ["2019-03-18T20:00:00+01:00"])
        #expect(CAPText.values("areaDesc", in: alert.xml) == ["Veiligheidsregio Utrecht"])
        #expect(CAPText.values("value", in: alert.xml).contains("PV26"))
    }

    @Test("a national threat level covers all 25 regions and still validates")
    func nationalThreat() throws {
        let log = LogBuilder()
        let update = try log.commit(
            Docs.threat(["scope": "national"], level: 4, step: "announced", advice: "Blijf alert."), as: .nctv
        )
        let alert = try exporter.alert(from: update)
        #expect(try XMLLint.problems(alert.xml) == nil)
        #expect(alert.info[0].areas.count == 25)
        #expect(CAPText.polygons(in: alert.xml).count >= 25)
    }

    @Test("exercise reports export with status Exercise and a note")
    func exerciseStatus() throws {
        let (log, named) = try log(exercise: true)
        let chosen = try exporter.select(
            .incident(IncidentID("VR09-1")!), exercise: true, cancel: false, from: log.updates)
        #expect(chosen.report.id == named["advice2"]!.report.id, "the latest advice is chosen")
        let alert = try exporter.alert(from: chosen, context: context(log))
        #expect(try XMLLint.problems(alert.xml) == nil)
        #expect(CAPText.values("status", in: alert.xml) == ["Exercise"])
        #expect(CAPText.values("note", in: alert.xml).first?.hasPrefix("OEFENING") == true)
        // The real picture holds none of it.
        #expect(throws: WorkflowError.self) {
            try exporter.select(
                .incident(IncidentID("VR09-1")!), exercise: false, cancel: false, from: log.updates)
        }
    }

    @Test("an Update names the earlier alert as sender,identifier,sent and validates")
    func updateReferences() throws {
        let (log, named) = try log()
        let first = try exporter.alert(from: named["advice"]!, context: context(log))
        let lookup = { (id: ReportID) in log.updates.first { $0.report.id == id } }
        let reference = try CAPExport.reference(first.identifier, lookup: lookup)
        #expect(reference == first.reference)
        let update = try exporter.alert(
            from: named["advice2"]!, context: context(log), msgType: .update, references: [reference])
        #expect(try XMLLint.problems(update.xml) == nil)
        #expect(CAPText.values("msgType", in: update.xml) == ["Update"])
        #expect(
            CAPText.values("references", in: update.xml) == [
                "urn:knooppunt:vr09,knooppunt-\(named["advice"]!.report.id),2019-03-18T10:45:03+01:00"
            ])
        #expect(update.identifier == "knooppunt-\(named["advice2"]!.report.id)-update")
    }

    @Test("a lowered threat level cancels the earlier alert: msgType Cancel, references, AllClear")
    func cancelReferences() throws {
        let (log, named) = try log()
        let earlier = try exporter.alert(from: named["threat"]!)
        let chosen = try exporter.select(.threat("PV26"), exercise: false, cancel: true, from: log.updates)
        #expect(chosen.report.id == named["lowered"]!.report.id)
        let cancel = try exporter.alert(from: chosen, msgType: .cancel, references: [earlier.reference])
        #expect(try XMLLint.problems(cancel.xml) == nil)
        #expect(CAPText.values("msgType", in: cancel.xml) == ["Cancel"])
        #expect(CAPText.values("references", in: cancel.xml) == [earlier.reference.description])
        #expect(CAPText.values("responseType", in: cancel.xml) == ["AllClear"])
        #expect(CAPText.values("urgency", in: cancel.xml) == ["Past"])
        // Without --cancel the lowered report has no advice to export.
        #expect(throws: WorkflowError.self) { try exporter.alert(from: chosen) }
    }

    @Test(
        "references are checked: an Update needs one, an Alert has none, a literal triple is taken as written"
    )
    func referenceRules() throws {
        let (log, named) = try log()
        #expect(throws: WorkflowError.self) { try exporter.alert(from: named["advice"]!, msgType: .update) }
        let literal = try CAPExport.reference("nl-alert,abc-123,2019-03-18T11:00:00+01:00") { _ in nil }
        #expect(literal.description == "nl-alert,abc-123,2019-03-18T11:00:00+01:00")
        #expect(throws: WorkflowError.self) {
            try exporter.alert(from: named["advice"]!, msgType: .alert, references: [literal])
        }
        #expect(throws: (any Error).self) {
            try CAPExport.reference("nl-alert,abc,2019-03-18T11:00:00Z") { _ in nil }
        }
        #expect(throws: (any Error).self) {
            try CAPExport.reference("knooppunt-\(ReportID.random())") { _ in nil }
        }
        _ = log
    }

    @Test("geography: Utrecht Centraal read back from the polygons lies in VR09's alert area, not in VR13's")
    func utrechtCentraal() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        let utrecht = try log.commit(
            Docs.advice("VR09-1", regions: ["VR09"], municipalities: []), as: Org.vr09)
        let amsterdam = try log.commit(
            Docs.advice("VR09-1", regions: ["VR13"], municipalities: []), as: Org.vr09)
        let centraal = GeoPoint(latitude: 52.089, longitude: 5.110)
        for (update, inside) in [(utrecht, true), (amsterdam, false)] {
            let xml = try exporter.alert(from: update).xml
            #expect(try XMLLint.problems(xml) == nil)
            let rings = CAPText.polygons(in: xml)
            #expect(!rings.isEmpty)
            for ring in rings {
                #expect(ring.count >= 4 && ring.first == ring.last, "a CAP polygon is closed")
                // Latitude first: every point lies in the Netherlands only if read lat,lon.
                #expect(ring.allSatisfy { $0.isInNetherlands })
            }
            let area = MultiPolygon(polygons: rings.map { [$0] })
            #expect(area.contains(centraal) == inside)
        }
    }

    @Test("a target area of municipalities only gets a circle around the incident's point")
    func circleForMunicipalities() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1", classification: "public"), as: Org.vr09)
        let advice = try log.commit(
            Docs.advice("VR09-1", regions: [], municipalities: ["GM0344"]), as: Org.vr09)
        let alert = try exporter.alert(from: advice, context: log.updates)
        #expect(try XMLLint.problems(alert.xml) == nil)
        #expect(CAPText.values("circle", in: alert.xml) == ["52.0861,5.0942 1"])
        #expect(CAPText.values("polygon", in: alert.xml).isEmpty)
    }

    @Test(
        "need-to-know: a public alert leaves out a partners-only incident title; a partners alert is Restricted"
    )
    func classificationIsRespected() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1", classification: "partners"), as: Org.vr09)
        let publicAdvice = try log.commit(Docs.advice("VR09-1"), as: Org.vr09)
        let partnersAdvice = try log.commit(Docs.advice("VR09-1", classification: "partners"), as: Org.vr09)
        let open = try exporter.alert(from: publicAdvice, context: log.updates)
        #expect(!open.xml.contains("Schietincident in een tram"))
        #expect(CAPText.values("event", in: open.xml) == ["Incident"])
        let restricted = try exporter.alert(from: partnersAdvice, context: log.updates)
        #expect(try XMLLint.problems(restricted.xml) == nil)
        #expect(CAPText.values("scope", in: restricted.xml) == ["Restricted"])
        #expect(CAPText.values("restriction", in: restricted.xml).count == 1)
        #expect(restricted.xml.contains("Schietincident in een tram"))
    }

    @Test("markup and control characters in the advice are escaped or dropped; the alert stays valid")
    func escaping() throws {
        let log = LogBuilder()
        try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        let advice = try log.commit(
            Docs.advice("VR09-1", actionAdvice: "Mijd <Jaarbeurs> & \"station\"\u{1} nu."), as: Org.vr09)
        let alert = try exporter.alert(from: advice)
        #expect(try XMLLint.problems(alert.xml) == nil)
        #expect(alert.xml.contains("Mijd &lt;Jaarbeurs&gt; &amp; \"station\"  nu."))
    }

    @Test("reports without action advice are refused with a message, not exported empty")
    func nothingToExport() throws {
        let log = LogBuilder()
        let incident = try log.commit(Docs.incident("VR09-1"), as: Org.vr09)
        let sitrep = try log.commit(Docs.policeSitrep("VR09-1"), as: .police)
        let threat = try log.commit(
            Docs.threat(["scope": "region", "code": "VR09"], level: 3, step: "announced"), as: .nctv)
        for update in [incident, sitrep, threat] {
            #expect(throws: WorkflowError.self) { try exporter.alert(from: update) }
        }
        #expect(throws: WorkflowError.self) {
            try exporter.select(.threat("VR09"), exercise: false, cancel: false, from: log.updates)
        }
    }

    @Test("identifiers name the report and the message type; the report id reads back")
    func identifiers() {
        let id = ReportID.random()
        for type in [CAPAlert.MessageType.alert, .update, .cancel] {
            let identifier = CAPExport.identifier(report: id, msgType: type)
            #expect(CAPExport.reportID(fromIdentifier: identifier) == id)
            #expect(!identifier.contains(",") && !identifier.contains(" "))
        }
        #expect(CAPExport.reportID(fromIdentifier: "knooppunt-\(id)-other") == nil)
    }
}
