import Foundation
import KnooppuntDomain
import StrictJSON
import Testing

extension SystemTests {
    @Test(
        "crisis workflows on real processes: GRIP 3 advice, the level-5 step plan refusing steps out of order, a stopped region not delivered then overdue, hooks called out of band, the alarm acknowledged"
    )
    func crisisWorkflows() throws {
        let net = try TestNetwork(name: "workflows")
        defer { net.removeFolder() }
        let vr09 = OrganisationCode("VR09")!
        let vr14 = OrganisationCode("VR14")!
        let everyone = [vr09, vr14, .nctv, .police]
        try net.startAll(everyone)
        let dir = net.root.path
        func knooppunt(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try runKnooppunt(arguments + ["--dir", dir])
        }
        func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }
        func lines(_ text: String) throws -> [JSONValue] {
            try text.split(separator: "\n").map { try json(String($0)) }
        }

        // Out-of-band hooks: VR14's is a real command writing a file; the desk's and NCTV's a
        // real HTTP listener on loopback. The alert service runs beside the node.
        let sink = try HTTPSink()
        defer { sink.stop() }
        let vr14File = net.root.appendingPathComponent("vr14-alerts.jsonl").path
        let hooks = net.root.appendingPathComponent("hooks.yaml")
        try Data(
            """
            escalateAfter: 2s
            hooks:
              VR14: { command: ["/bin/sh", "-c", "cat >> \\"$1\\"; echo >> \\"$1\\"", "sh", "\(vr14File)"] }
              NATIONAL: { webhook: "http://127.0.0.1:\(sink.port)/desk" }
              NCTV: { webhook: "http://127.0.0.1:\(sink.port)/nctv" }
            """.utf8
        ).write(to: hooks)
        try net.start("alerts", ["alerts", "--hooks", hooks.path])

        // 1. A possible terrorist attack below GRIP 3 is advised GRIP 3 at once, in `watch`.
        let region = try Publisher(vr09, network: net)
        var incident = Documents.incident(vr09, "VR09-WF-1").objectValue!
        incident["kind"] = "possibleTerroristAttack"
        try region.publishAll([.object(incident), grip("VR09-WF-1", "2")])
        try net.waitConverged(everyone)
        var watch = try knooppunt(["watch", "--once", "--json"])
        #expect(watch.status == 0, "\(watch.err)")
        var advice = try json(watch.out)["gripAdvice"]?.arrayValue?.first { $0["incident"] == "VR09-WF-1" }
        #expect(advice?["advice"]?["target"] == "3")
        #expect(advice?["advice"]?["reasons"] == ["possibleTerroristAttack"])
        try region.publishAll([grip("VR09-WF-1", "3")])
        try net.waitConverged(everyone)
        watch = try knooppunt(["watch", "--once", "--json"])
        advice = try json(watch.out)["gripAdvice"]?.arrayValue?.first { $0["incident"] == "VR09-WF-1" }
        #expect(advice?["advice"] == nil, "GRIP 3 decided: no advice left")
        #expect(advice?["timeToGRIP3"]?["reached"] == true)
        #expect(advice?["timeToGRIP3"]?["afterOpenedSeconds"]?.integerValue != nil)

        // 2. The step plan: out of order is refused with E700 and the next command.
        let area = ["--area", "PV26", "--token-file", try net.tokenFile(.nctv)]
        #expect(
            try knooppunt(["nctv", "level", "propose", "--reason", "Mogelijke aanslag."] + area).status == 0)
        let early = try knooppunt(["nctv", "level", "declare", "--reason", "Te vroeg."] + area)
        #expect(early.status == 4)
        #expect(
            early.err.contains("E700 stepOutOfOrder") && early.err.contains("consult --area PV26"),
            "\(early.err)")
        let consult = try knooppunt(
            ["nctv", "level", "consult", "--also", "VR14", "--deadline", "10m"] + area)
        #expect(consult.status == 0, "\(consult.err)")

        // 3. VR14's daemon stops; level 5 is declared with mandatory acknowledgement by then.
        net.stop(vr14.rawValue)
        let declare = try knooppunt(
            [
                "nctv", "level", "declare", "--reason", "Niveau 5.", "--also", "VR14", "--deadline", "3s",
                "--json",
            ] + area)
        #expect(declare.status == 0, "\(declare.err)")
        let declared = try lines(declare.out)
        let declaredID = try #require(declared.first?["report"]?.stringValue)
        let requestID = try #require(declared.last?["report"]?.stringValue)
        let requestSeq = try #require(declared.last?["sequence"]?.integerValue)
        try waitUntil("VR09 and the police applied the declaration", timeout: 30) {
            let parties = try net.nodeStatus()["parties"]
            return [vr09, .police].allSatisfy {
                (parties?[$0.rawValue]?["applied"]?.integerValue ?? 0) >= requestSeq
            }
        }
        let deliver = try knooppunt(["nctv", "level", "deliver"] + area)
        #expect(
            deliver.status == 4 && deliver.err.contains("E701") && deliver.err.contains("VR14"),
            "\(deliver.err)")
        let advise = ["nctv", "level", "advise", "--advice", "Blijf binnen."] + area
        let refused = try knooppunt(advise)
        #expect(refused.status == 4 && refused.err.contains("--override --reason"), "\(refused.err)")
        let overridden = try knooppunt(advise + ["--override", "--reason", "Dader voortvluchtig"])
        #expect(overridden.status == 0, "\(overridden.err)")
        let plan = try json(try knooppunt(["nctv", "level", "status", "--area", "PV26", "--json"]).out)
        let steps = plan["areas"]?.arrayValue?.first?["steps"]?.arrayValue ?? []
        #expect(
            steps.compactMap { $0["step"]?.stringValue } == [
                "proposed", "consulting", "declared", "adviceIssued",
            ])
        #expect(steps.last?["override"] == true)
        #expect(steps.last?["reason"]?.stringValue?.hasPrefix("OVERRIDE: Dader voortvluchtig") == true)

        // 4. The board: VR14 stays "not delivered" and turns "overdue"; VR09 acknowledges.
        let give = try knooppunt([
            "ack", "give", declaredID, "--as", "VR09", "--token-file", try net.tokenFile(vr09),
        ])
        #expect(give.status == 0, "\(give.err)")
        var vr14State: JSONValue?
        try waitUntil("VR14 overdue on the board", timeout: 30) {
            let board = try json(try knooppunt(["ack", "list", "--json"]).out)
            let request = board["requests"]?.arrayValue?.first { $0["request"]?.stringValue == requestID }
            let parties = request?["parties"]?.arrayValue ?? []
            vr14State = parties.first { $0["party"] == "VR14" }
            #expect(vr14State?["delivered"] == false, "a stopped daemon never counts as delivered")
            let vr09State = parties.first { $0["party"] == "VR09" }
            return vr14State?["state"] == "overdue" && vr09State?["state"] == "acknowledged"
        }
        #expect(vr14State?["delivered"] == false)

        // 5. Out of band: VR14's command hook wrote the overdue alert; nobody acknowledged the
        // alarm, so it escalated to the desk's and NCTV's webhooks.
        try waitUntil("VR14's hook and the escalation webhooks", timeout: 30) {
            let paths = Set(sink.requests.map(\.path))
            return FileManager.default.fileExists(atPath: vr14File) && paths == ["/desk", "/nctv"]
        }
        let written = try String(contentsOfFile: vr14File, encoding: .utf8)
        let overdue = try lines(written).first { $0["request"]?.stringValue == requestID }
        #expect(overdue?["kind"] == "overdue" && overdue?["organisation"] == "VR14")
        #expect(overdue?["notDelivered"]?.arrayValue?.contains("VR14") == true)
        let escalation = try JSONParser.parse([UInt8](sink.requests[0].body))
        #expect(escalation["kind"] == "escalation" && escalation["request"]?.stringValue == requestID)

        // 6. A person of NCTV acknowledges the alarm; each alert went out once.
        let alarm = try knooppunt([
            "ack", "alarm", requestID, "--as", "NCTV", "--token-file", try net.tokenFile(.nctv), "--note",
            "VR14 gebeld",
        ])
        #expect(alarm.status == 0, "\(alarm.err)")
        try waitUntil("the alarm acknowledged", timeout: 30) {
            let board = try json(try knooppunt(["ack", "list", "--json"]).out)
            let request = board["requests"]?.arrayValue?.first { $0["request"]?.stringValue == requestID }
            return request?["alarm"]?["state"] == "acknowledged"
        }
        let sent = try knooppunt(["alerts", "--list"]).out
        #expect(sent.components(separatedBy: "\(requestID)").count - 1 == 3, "\(sent)")
        #expect(sink.requests.filter { $0.path == "/desk" }.count == 1)

        // 7. Time-to-GRIP-3 exported.
        let export = try knooppunt(["export", "grip"])
        let row = export.out.split(separator: "\r\n").first { $0.hasPrefix("VR09-WF-1,") }
        #expect(row?.contains("possibleTerroristAttack") == true, "\(export.out)")
        net.stopAll()
    }

    private func grip(_ incident: String, _ level: String) -> JSONValue {
        [
            "type": "grip", "incident": .string(incident), "level": .string(level), "codeList": "grip-2013",
            "reason": .string("Opschaling naar GRIP \(level)"), "decidedAt": "2026-11-30T10:20:00+01:00",
            "classification": "partners",
        ]
    }
}
