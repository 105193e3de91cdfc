import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The desk officers' actions as report documents of the national organisation, checked by
/// the same strict codec the node uses. The person who acts is required and becomes the
/// report's `author`, in the signed envelope.
///
/// - National advice: a sitrep of NATIONAL on an incident: the advice as the multidisciplinary
///   picture (`beeld.MULTI`), optionally with crisis communication (core message and action
///   advice for the incident's region).
/// - Acknowledgement request: named parties must confirm a report by a deadline.
/// - Acknowledgement: a desk officer confirms a report, or (with the request's id as subject,
///   after its deadline) acknowledges the alarm about overdue parties.
enum DeskWrites {
    static let codec = DocumentCodec()

    /// `{"person", "incident", "text", "coreMessage"?, "actionAdvice"?, "classification"?,
    /// "exercise"?, "id"?}`
    static func advice(_ request: JSONValue, region: OrganisationCode?) throws(APIError) -> ReportDocument {
        let fields = try APIError.requestFields(
            request,
            allowed: [
                "person", "incident", "text", "coreMessage", "actionAdvice", "classification", "exercise",
                "id",
                "again",
            ])
        let classification = fields["classification"] ?? "partners"
        var document: [String: JSONValue] = [
            "type": "sitrep", "confidence": "high", "verification": "confirmed",
            "incident": fields["incident"] ?? .null,
            "beeld": ["MULTI": ["text": fields["text"] ?? .null, "classification": classification]],
        ]
        let core = fields["coreMessage"]?.stringValue ?? ""
        let advice = fields["actionAdvice"]?.stringValue ?? ""
        if !core.isEmpty || !advice.isEmpty {
            document["communicatie"] = [
                "coreMessage": .string(core.isEmpty ? advice : core),
                "actionAdvice": .string(advice.isEmpty ? core : advice),
                "targetArea": region.map { ["regions": [.string($0.rawValue)]] } ?? ["regions": []],
                "classification": classification,
            ]
        }
        return try decode(
            document, fields,
            renames: [
                "beeld.MULTI.text": "text", "beeld.MULTI.classification": "classification",
                "communicatie.coreMessage": "coreMessage", "communicatie.actionAdvice": "actionAdvice",
                "communicatie.classification": "classification", "communicatie.targetArea": "incident",
            ])
    }

    /// `{"person", "subject", "parties", "deadline" | "deadlineMinutes", "note"?,
    /// "classification"?, "exercise"?, "id"?}`
    static func ackRequest(_ request: JSONValue, now: Int64) throws(APIError) -> ReportDocument {
        let fields = try APIError.requestFields(
            request,
            allowed: [
                "person", "subject", "parties", "deadline", "deadlineMinutes", "note", "classification",
                "exercise",
                "id", "again",
            ])
        var deadline = fields["deadline"] ?? .null
        if deadline == .null, let minutes = fields["deadlineMinutes"]?.integerValue {
            guard (1...10_080).contains(minutes) else {
                throw APIError.invalid(
                    Problems(
                        Problem(.outOfRange, field: "deadlineMinutes", "give 1 to 10080 minutes (a week)")))
            }
            deadline = .string(
                Timestamp(millisecondsSinceEpoch: now + minutes * 60_000).inAmsterdam.rfc3339Seconds)
        }
        var document: [String: JSONValue] = [
            "type": "ackRequest", "subject": fields["subject"] ?? .null,
            "parties": fields["parties"] ?? .null,
            "deadline": deadline, "classification": fields["classification"] ?? "partners",
        ]
        if let note = fields["note"], note != .string("") { document["note"] = note }
        return try decode(document, fields, renames: [:])
    }

    /// `{"person", "subject", "note"?, "classification"?, "exercise"?, "id"?}`
    static func ack(_ request: JSONValue) throws(APIError) -> ReportDocument {
        let fields = try APIError.requestFields(
            request, allowed: ["person", "subject", "note", "classification", "exercise", "id", "again"])
        var document: [String: JSONValue] = [
            "type": "ack", "subject": fields["subject"] ?? .null, "by": fields["person"] ?? .null,
            "classification": fields["classification"] ?? "partners",
        ]
        if let note = fields["note"], note != .string("") { document["note"] = note }
        return try decode(document, fields, renames: ["by": "person"])
    }

    /// Adds the common fields, decodes strictly, and names problems by the request's fields.
    private static func decode(
        _ body: [String: JSONValue], _ fields: [String: JSONValue], renames: [String: String]
    ) throws(APIError) -> ReportDocument {
        var document = body
        document["author"] = fields["person"] ?? .null
        if let exercise = fields["exercise"] { document["exercise"] = exercise }
        if let id = fields["id"] { document["id"] = id }
        var problems: [Problem] = []
        if (fields["person"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(Problem(.missingField, field: "person", "name the person who acts (you)"))
            document["author"] = "?"
        }
        // A missing person is named once, as "person", not again as the placeholder author.
        let personMissing = !problems.isEmpty
        return try APIError.decodingDocument(document, codec: codec, problems: problems) { problem in
            if problem.field == "author" && personMissing { return nil }
            return renames[problem.field] ?? (problem.field == "author" ? "person" : problem.field)
        }
    }
}
