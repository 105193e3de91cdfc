import KnooppuntDomain
import StrictJSON

/// Who has acknowledged what: every acknowledgement request in the picture with, per party
/// that must acknowledge, whether a person there confirmed it, whether its daemon has at
/// least received it ("delivered": it reported applying that sequence), or whether the
/// deadline has passed without an acknowledgement ("overdue").
public enum AcknowledgementBoard {
    public enum PartyState: String, Sendable {
        /// A person of the party confirmed it (an `ack` is in the picture).
        case acknowledged
        /// No acknowledgement and the deadline has passed.
        case overdue
        /// Its daemon applied the request; nobody has acknowledged yet.
        case delivered
        /// Not known to be delivered yet.
        case waiting
    }

    public struct Party: Sendable {
        public let code: String
        public let state: PartyState
        public let delivered: Bool
        /// The person who acknowledged, when they did.
        public let by: String?
        public let acknowledgedAt: Int64?
        public let note: String?
    }

    public struct Request: Sendable {
        public let subject: String
        /// What the subject is, in a few words ("threat level 5 · PV26"), when this view can tell.
        public var subjectSummary: String? { subjectSummaries[.english] }
        /// The same in every language of the screens ("dreigingsniveau 5 · PV26").
        let subjectSummaries: [ScreenLanguage: String]
        public let requestedBy: String
        public let author: String?
        public let deadline: String?
        public let deadlineMs: Int64?
        public let note: String?
        public let sequence: SequenceNumber
        public let committedAt: Int64
        public let exercise: Bool
        /// The request's content is not readable in this view (parties and deadline unknown).
        public let withheld: Bool
        public let parties: [Party]

        public var overdue: [String] { parties.filter { $0.state == .overdue }.map(\.code) }
    }

    /// The board for a picture's entries (sorted or not), judged at `now`. `earlier` are
    /// reports that left the picture (a closed incident's opening report, a sitrep since
    /// replaced): a request about one of them is still titled by what it was about.
    public static func requests(
        in entries: [DigestEntry], earlier: [DigestEntry] = [], now: Int64, applied: [String: SequenceNumber]
    ) -> [Request] {
        var acks: [String: [String: DigestEntry]] = [:]
        var subjects: [String: DigestEntry] = [:]
        for entry in earlier { subjects[entry.id] = entry }
        // Incidents closed in the picture as it is now ("exercise/" before an exercise's id).
        var closed = Set<String>()
        for entry in entries {
            if entry.type == "incident", let incident = entry.incident,
                entry.section("incident")?["status"]?.stringValue == "closed"
            {
                closed.insert((entry.exercise ? "exercise/" : "") + incident)
            }
            subjects[entry.id] = entry
            if entry.type == "ack", let subject = entry.subject {
                acks[subject, default: [:]][entry.origin] = entry
            }
        }
        var requests: [Request] = []
        for entry in entries where entry.type == "ackRequest" {
            guard let subject = entry.subject else { continue }
            let section = entry.section("ackRequest")
            let deadline = section?["deadline"]?.stringValue
            let deadlineMs = AmsterdamTime.milliseconds(rfc3339: deadline)
            let codes = section?["parties"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let answered = acks[subject] ?? [:]
            let parties = codes.map { code -> Party in
                let delivered = (applied[code] ?? 0) >= entry.sequence
                if let ack = answered[code] {
                    let content = ack.section("ack")
                    return Party(
                        code: code, state: .acknowledged, delivered: true,
                        by: content?["by"]?.stringValue ?? ack.author, acknowledgedAt: ack.committedAt,
                        note: content?["note"]?.stringValue)
                }
                let state: PartyState =
                    deadlineMs.map { now > $0 } == true ? .overdue : delivered ? .delivered : .waiting
                return Party(
                    code: code, state: state, delivered: delivered, by: nil, acknowledgedAt: nil, note: nil)
            }
            requests.append(
                Request(
                    subject: subject,
                    subjectSummaries: subjects[subject].map { summaries($0, closed: closed) } ?? [:],
                    requestedBy: entry.origin, author: entry.author, deadline: deadline,
                    deadlineMs: deadlineMs,
                    note: section?["note"]?.stringValue, sequence: entry.sequence,
                    committedAt: entry.committedAt, exercise: entry.exercise, withheld: section == nil,
                    parties: parties))
        }
        // The most urgent first: open overdue requests, then by deadline, newest last.
        return requests.sorted { a, b in
            let aOpen = a.overdue.isEmpty ? 1 : 0
            let bOpen = b.overdue.isEmpty ? 1 : 0
            return (aOpen, a.deadlineMs ?? .max, a.sequence) < (bOpen, b.deadlineMs ?? .max, b.sequence)
        }
    }

    /// ``summary(_:_:closed:)`` in every language of the screens.
    static func summaries(_ entry: DigestEntry, closed: Set<String>) -> [ScreenLanguage: String] {
        let isClosed =
            entry.incident.map { closed.contains((entry.exercise ? "exercise/" : "") + $0) } ?? false
        var result: [ScreenLanguage: String] = [:]
        for language in ScreenLanguage.allCases {
            result[language] = summary(entry, language, closed: isClosed)
        }
        return result
    }

    /// A few words naming a report, in `language`; an incident's report says when the
    /// incident has since been `closed` ("incident: Brand in … (gesloten)").
    static func summary(_ entry: DigestEntry, _ language: ScreenLanguage, closed: Bool = false) -> String? {
        let dutch = language == .dutch
        let suffix = closed && entry.type == "incident" ? (dutch ? " (gesloten)" : " (closed)") : ""
        return summaryText(entry, dutch).map { $0 + suffix }
    }

    private static func summaryText(_ entry: DigestEntry, _ dutch: Bool) -> String? {
        switch entry.type {
        case "threat":
            let section = entry.section("threat")
            let words = dutch ? "dreigingsniveau" : "threat level"
            let level = section?["level"]?.integerValue.map { "\(words) \($0)" } ?? words
            let area = String(entry.key.split(separator: "/").last ?? "")
            return "\(level) · \(area)"
        case "incident":
            return entry.section("incident")?["title"]?.stringValue.map { "incident: \($0)" }
                ?? "incident \(entry.incident ?? "")"
        case "grip":
            let level = entry.section("grip")?["level"]?.stringValue ?? "?"
            return "GRIP \(level) · \(entry.incident ?? "")"
        case "sitrep":
            return "\(dutch ? "situatierapport" : "sitrep") \(entry.origin) · \(entry.incident ?? "")"
        case "measure":
            return "\(dutch ? "maatregelen" : "measures") \(entry.origin)"
        default:
            return "\(entry.type) \(entry.origin)"
        }
    }
}
