import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The key fields of a report for the timeline, from the sections a view may read.
enum TimelineFields {
    static func keyFields(
        type: ReportType, envelope: Envelope, sections: [String: JSONValue]
    ) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        func copy(_ section: String, _ names: [String]) {
            for name in names { if let value = sections[section]?[name] { fields[name] = value } }
        }
        switch type {
        case .incident:
            copy("incident", ["title", "kind", "status", "startedAt", "mergedInto"])
            if let lead = sections["incident"]?["lead"]?["organisation"] { fields["lead"] = lead }
            if let municipality = sections["incident"]?["location"]?["municipality"] {
                fields["municipality"] = municipality
            }
        case .grip:
            copy("grip", ["level", "reason", "decidedAt"])
        case .sitrep:
            for (name, value) in envelope.meta { fields[name] = value }
            var beeld: [String: JSONValue] = [:]
            for discipline in Discipline.allCases {
                if let text = sections["beeld.\(discipline.rawValue)"]?["text"] {
                    beeld[discipline.rawValue] = text
                }
            }
            if !beeld.isEmpty { fields["beeld"] = .object(beeld) }
            if let decisions = sections["besluiten"]?["items"]?.arrayValue {
                fields["besluiten"] = .array(decisions.compactMap { $0["text"] })
            }
            copy("communicatie", ["coreMessage", "actionAdvice", "targetArea"])
        case .threat:
            copy("threat", ["area", "level", "step", "reason", "actionAdvice", "reviewAt"])
        case .ackRequest:
            copy("ackRequest", ["parties", "deadline", "note"])
        case .ack:
            copy("ack", ["by", "note"])
        case .measure:
            copy("measure", ["municipality"])
            if let measures = sections["measure"]?["measures"]?.arrayValue {
                fields["measures"] = .array(measures.compactMap { $0["kind"] })
            }
        case .signal:
            // Who it is about and the assessment stay in the signal itself, not in a timeline line.
            copy("signal", ["kind", "asked", "legalBasis", "recipients"])
        case .signalAck:
            copy("signalAck", ["by"])
        case .signalFollowUp:
            copy("signalFollowUp", ["outcome", "by"])
        case .signalRead:
            copy("signalRead", ["by", "role"])
        }
        if let subject = envelope.subject { fields["subject"] = .string(subject.rawValue) }
        return fields
    }

    /// One line: the most telling fields, clipped; withheld sections are counted.
    static func summary(type: ReportType, fields: [String: JSONValue], withheld: [String]) -> String {
        func text(_ name: String) -> String? { fields[name]?.stringValue }
        var parts: [String] = []
        switch type {
        case .incident:
            parts = [
                text("status").map { "[\($0)]" }, text("title"), text("kind"),
                text("lead").map { "lead \($0)" },
            ]
            .compactMap { $0 }
        case .grip:
            parts = [text("level").map { "GRIP \($0)" }, text("reason")].compactMap { $0 }
        case .sitrep:
            let beeld = fields["beeld"]?.objectValue ?? [:]
            parts = [text("verification")].compactMap { $0 }
            parts += beeld.keys.sorted { (Discipline(rawValue: $0)!) < Discipline(rawValue: $1)! }.compactMap
            { key in
                beeld[key]?.stringValue.map { "\(key): \($0)" }
            }
            if let advice = text("actionAdvice") { parts.append("advies: \(advice)") }
        case .threat:
            let area = fields["area"]?["code"]?.stringValue ?? fields["area"]?["scope"]?.stringValue
            parts = [
                area, fields["level"]?.integerValue.map { "niveau \($0)" }, text("step"), text("reason"),
                text("actionAdvice").map { "advies: \($0)" },
            ].compactMap { $0 }
        case .ackRequest:
            let parties = fields["parties"]?.arrayValue?.compactMap(\.stringValue) ?? []
            parts = ["→ " + parties.joined(separator: ", "), text("deadline").map { "by \($0)" }].compactMap {
                $0
            }
        case .ack:
            parts = [text("by").map { "by \($0)" }, text("note")].compactMap { $0 }
        case .measure:
            let kinds = fields["measures"]?.arrayValue?.compactMap(\.stringValue) ?? []
            parts = [text("municipality"), kinds.isEmpty ? nil : kinds.joined(separator: ", ")].compactMap {
                $0
            }
        case .signal:
            let recipients = fields["recipients"]?.arrayValue?.compactMap(\.stringValue) ?? []
            parts = [
                text("kind"), text("asked"),
                recipients.isEmpty ? nil : "→ " + recipients.joined(separator: ", "),
            ]
            .compactMap { $0 }
        case .signalAck:
            parts = [text("by").map { "received, by \($0)" }].compactMap { $0 }
        case .signalFollowUp:
            parts = [text("outcome"), text("by").map { "by \($0)" }].compactMap { $0 }
        case .signalRead:
            parts = [text("by").map { "opened by \($0)" }, text("role")].compactMap { $0 }
        }
        if !withheld.isEmpty { parts.append("(\(withheld.count) withheld)") }
        return parts.joined(separator: "; ").clipped(200)
    }
}
