import KnooppuntDomain
import StrictJSON

extension Timeline {
    public enum Format: String, Sendable, CaseIterable { case md, json, csv }

    public func formatted(_ format: Format) -> String {
        switch format {
        case .md: markdown
        case .json: JSONWriter.pretty(json) + "\n"
        case .csv: csv
        }
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "incident": .string(incident.rawValue), "exercise": .bool(exercise),
            "view": .string(view.description),
            "checked": .array(checked.map { .string($0.rawValue) }), "entries": .array(entries.map(\.json)),
        ]
        if let grip { object["timeToGRIP3"] = grip.gripThreeJSON }
        return .object(object)
    }

    /// A table for people: one row per report, acknowledgements under it.
    public var markdown: String {
        var lines = [
            "# Timeline of \(exercise ? "exercise " : "")incident \(incident)", "",
            "Times are the national node's commit times in Europe/Amsterdam; content as \(view) may see it."
                + " Delivery read from the stores of \(checked.isEmpty ? "no daemon" : checked.map(\.rawValue).joined(separator: ", ")).",
            "",
        ]
        if let grip { lines += ["Time to GRIP 3: \(grip.gripThreeText).", ""] }
        lines += [
            "| seq | committed | from | type | what | reached | acknowledged |",
            "|---:|---|---|---|---|---|---|",
        ]
        for entry in entries {
            let cells = [
                // "from" names the person too when the report has an author.
                String(entry.sequence), Self.clock(entry.committed),
                entry.origin.rawValue + (entry.author.map { " · \($0)" } ?? ""),
                entry.type.rawValue,
                entry.summary, entry.reachedText, entry.acknowledgement?.text ?? "",
            ]
            lines.append("| " + cells.map(Self.markdownCell).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var csv: String {
        var lines = [
            "sequence,epoch,committed,origin,type,report,summary,reached,not_reached,acknowledgement"
        ]
        for entry in entries {
            let cells = [
                String(entry.sequence), String(entry.epoch), entry.committed.rfc3339Seconds,
                entry.origin.rawValue,
                entry.type.rawValue, entry.report.rawValue, entry.summary,
                entry.reached.map(\.rawValue).joined(separator: " "),
                entry.notReached.map(\.rawValue).joined(separator: " "), entry.acknowledgement?.text ?? "",
            ]
            lines.append(cells.map(Self.csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `2026-03-16 10:45:03` from an Amsterdam timestamp.
    static func clock(_ time: Timestamp) -> String {
        String(time.rfc3339Seconds.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// RFC 4180: quoted when needed, quotes doubled.
    public static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension TimelineEntry {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "sequence": .integer(Int64(sequence)), "epoch": .integer(Int64(epoch)),
            "committed": .string(committed.rfc3339Seconds), "created": .string(created.rfc3339),
            "origin": .string(origin.rawValue), "type": .string(type.rawValue),
            "report": .string(report.rawValue),
            "key": .string(key), "fields": .object(fields), "withheld": .array(withheld.map { .string($0) }),
            "summary": .string(summary), "reached": .array(reached.map { .string($0.rawValue) }),
            "notReached": .array(notReached.map { .string($0.rawValue) }),
        ]
        if let author { object["author"] = .string(author) }
        if let acknowledgement { object["acknowledgement"] = acknowledgement.json }
        return .object(object)
    }

    var reachedText: String {
        if notReached.isEmpty { return reached.isEmpty ? "" : "all \(reached.count)" }
        return "\(reached.count)/\(reached.count + notReached.count); not "
            + notReached.map(\.rawValue).joined(separator: ", ")
    }
}

extension AcknowledgementStatus {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "parties": .array(parties.map { .string($0.rawValue) }),
            "missing": .array(missing.map { .string($0.rawValue) }),
            "given": .array(
                given.map { item in
                    var entry: [String: JSONValue] = [
                        "organisation": .string(item.organisation.rawValue),
                        "at": .string(item.at.rfc3339Seconds),
                        "sequence": .integer(Int64(item.sequence)),
                    ]
                    if let by = item.by { entry["by"] = .string(by) }
                    if let late = item.late { entry["late"] = .bool(late) }
                    return .object(entry)
                }),
        ]
        if let requestedBy { object["requestedBy"] = .string(requestedBy.rawValue) }
        if let deadline { object["deadline"] = .string(deadline.rfc3339Seconds) }
        return .object(object)
    }

    /// "VR09 10:52 (Jan), POLICE 10:55 late; missing NCTV".
    var text: String {
        var parts = given.map { item in
            "\(item.organisation) \(Timeline.clock(item.at).suffix(8))\(item.by.map { " (\($0))" } ?? "")"
                + (item.late == true ? " late" : "")
        }
        if !missing.isEmpty { parts.append("missing " + missing.map(\.rawValue).joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }
}
