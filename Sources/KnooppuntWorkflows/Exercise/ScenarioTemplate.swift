import KnooppuntDomain
import StrictJSON

/// Placeholders in a step's document, replaced inside any string when the step is sent:
///
/// - `{{id:NAME}}`: the report id of the earlier step named NAME (every run makes fresh ids).
/// - `{{time}}`: the step's scripted moment (start + offset) in Europe/Amsterdam time.
/// - `{{time+1h30m}}`, `{{time-10m}}`: that moment moved by a duration.
public enum ScenarioTemplate {
    public struct Values: Sendable {
        /// Report ids of named steps.
        public var ids: [String: ReportID]
        /// The step's scripted moment.
        public var time: Timestamp

        public init(ids: [String: ReportID], time: Timestamp) {
            self.ids = ids
            self.time = time
        }
    }

    /// A placeholder that cannot be filled in: its text and why.
    public struct Failure: Error, Sendable, Hashable {
        public let placeholder: String
        public let message: String
    }

    static func isName(_ text: String) -> Bool {
        (1...40).contains(text.count)
            && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
            }
    }

    /// The document with every placeholder replaced.
    public static func resolve(_ value: JSONValue, _ values: Values) throws(Failure) -> JSONValue {
        switch value {
        case .string(let text): return .string(try resolve(text: text, values))
        case .array(let items):
            var result: [JSONValue] = []
            for item in items { result.append(try resolve(item, values)) }
            return .array(result)
        case .object(let fields):
            var result: [String: JSONValue] = [:]
            for (key, item) in fields { result[key] = try resolve(item, values) }
            return .object(result)
        default: return value
        }
    }

    /// The names of steps a document refers to with `{{id:NAME}}`.
    public static func references(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text):
            return placeholders(in: text).compactMap { $0.hasPrefix("id:") ? String($0.dropFirst(3)) : nil }
        case .array(let items): return items.flatMap(references(in:))
        case .object(let fields): return fields.keys.sorted().flatMap { references(in: fields[$0]!) }
        default: return []
        }
    }

    static func resolve(text: String, _ values: Values) throws(Failure) -> String {
        guard text.contains("{{") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw Failure(
                    placeholder: String(rest[open.lowerBound...]), message: "a placeholder ends with }}")
            }
            let inner = String(rest[open.upperBound..<close.lowerBound]).trimmingSpaces
            result += try fill(inner, values)
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    private static func fill(_ inner: String, _ values: Values) throws(Failure) -> String {
        if inner.hasPrefix("id:") {
            let name = String(inner.dropFirst(3))
            guard let id = values.ids[name] else {
                throw Failure(placeholder: "{{\(inner)}}", message: "no earlier step is named \"\(name)\"")
            }
            return id.rawValue
        }
        guard inner.hasPrefix("time") else {
            throw Failure(
                placeholder: "{{\(inner)}}",
                message: "known placeholders: {{id:NAME}}, {{time}}, {{time+1h30m}}")
        }
        let shift = inner.dropFirst(4)
        var seconds: Int64 = 0
        if let sign = shift.first {
            guard sign == "+" || sign == "-",
                let amount = ScenarioDuration.seconds(text: String(shift.dropFirst()))
            else {
                throw Failure(placeholder: "{{\(inner)}}", message: "write a shift as +1h30m or -10m")
            }
            seconds = sign == "+" ? amount : -amount
        }
        return values.time.adding(milliseconds: seconds * 1000).inAmsterdam.rfc3339Seconds
    }

    private static func placeholders(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            found.append(String(rest[open.upperBound..<close.lowerBound]).trimmingSpaces)
            rest = rest[close.upperBound...]
        }
        return found
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
