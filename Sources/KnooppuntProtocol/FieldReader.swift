import KnooppuntDomain
import StrictJSON

/// Limits on documents, named once (docs/PROTOCOL.md §3).
public enum DocumentLimits {
    public static let titleCharacters = 200
    public static let textCharacters = 4_000
    public static let nameCharacters = 120
    public static let listItems = 50
    public static let documentBytes = 256 * 1024
}

/// Collects the problems found while decoding one document, so `validate` can list them all.
final class DecodeContext {
    let reference: ReferenceData
    private(set) var problems: [Problem] = []

    init(reference: ReferenceData) { self.reference = reference }

    func fail(_ code: ErrorCode, _ field: String, _ message: String) {
        problems.append(Problem(code, field: field, message))
    }
}

/// Reads the fields of one JSON object strictly: required fields must be present, unknown
/// fields are problems, and every value is checked against its type, enumeration and limits.
/// Each accessor returns nil after recording a problem, so decoding goes on and finds the rest.
struct FieldReader {
    let context: DecodeContext
    let path: String
    let object: [String: JSONValue]
    /// The keys read or declared: a short list (an object has a few fields), appended to for
    /// every field read, so an array rather than a set that hashes every key.
    private var allowed: [String] = []

    /// Nil (with a problem recorded) when `value` is not an object.
    init?(_ value: JSONValue, path: String, context: DecodeContext) {
        guard case .object(let object) = value else {
            context.fail(.wrongType, path, "expected an object, found \(value.typeName)")
            return nil
        }
        self.context = context
        self.path = path
        self.object = object
    }

    func at(_ key: String) -> String { FieldReader.path(path, key) }

    /// The path of `key` inside `parent`: `beeld.BRW`, or `location["a.b"]` for a key that is
    /// empty, long or would make the dotted path ambiguous (a stranger's key is shown quoted
    /// and cut at 40 characters, so a path never becomes empty or huge).
    static func path(_ parent: String, _ key: String) -> String {
        let plain =
            !key.isEmpty && key.utf8.count <= 40
            && key.utf8.allSatisfy {
                $0 > 0x20 && $0 < 0x7F && $0 != 0x2E && $0 != 0x5B && $0 != 0x5D && $0 != 0x22
            }
        if plain { return parent == "$" ? key : "\(parent).\(key)" }
        let quoted = String(decoding: JSONWriter.canonical(.string(String(key.prefix(40)))), as: UTF8.self)
        return "\(parent)[\(quoted)]"
    }

    /// Declares the fields this object may have (beyond those read), then reports the others.
    mutating func finish(alsoAllowed: [String] = []) {
        allowed.append(contentsOf: alsoAllowed)
        let unknown = object.keys.filter { !allowed.contains($0) }
        for key in unknown.sorted() {
            context.fail(.unknownField, at(key), "unknown field \"\(key.prefix(40))\"")
        }
    }

    mutating func value(_ key: String, required: Bool) -> JSONValue? {
        allowed.append(key)
        guard let value = object[key] else {
            if required { context.fail(.missingField, at(key), "required field \"\(key)\" is missing") }
            return nil
        }
        return value
    }

    /// True when the key is present (and marks it as known).
    mutating func has(_ key: String) -> Bool {
        allowed.append(key)
        return object[key] != nil
    }

    mutating func string(_ key: String, max: Int, required: Bool = true, allowEmpty: Bool = false) -> String?
    {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader.string(value, path: at(key), max: max, allowEmpty: allowEmpty, context: context)
    }

    static func string(
        _ value: JSONValue, path: @autoclosure () -> String, max: Int, allowEmpty: Bool,
        context: DecodeContext
    )
        -> String?
    {
        guard case .string(let text) = value else {
            context.fail(.wrongType, path(), "expected a string, found \(value.typeName)")
            return nil
        }
        // Characters are counted as Unicode scalars (code points), as JSON Schema's maxLength
        // does: grapheme clusters would make a limit depend on the Unicode version of the
        // runtime, and the schema in docs/schema could not say the same thing.
        // A scalar is one to four UTF-8 bytes, so text of at most `max` bytes (nearly every
        // field) is within the limit without counting its scalars.
        if text.utf8.count > max {
            let length = text.unicodeScalars.count
            guard length <= max else {
                context.fail(.tooLong, path(), "at most \(max) characters, found \(length)")
                return nil
            }
        }
        if !allowEmpty && text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            context.fail(.emptyText, path(), "must not be empty")
            return nil
        }
        return text
    }

    mutating func bool(_ key: String, required: Bool = true) -> Bool? {
        guard let value = value(key, required: required) else { return nil }
        guard case .bool(let flag) = value else {
            context.fail(.wrongType, at(key), "expected true or false, found \(value.typeName)")
            return nil
        }
        return flag
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int64>, required: Bool = true) -> Int64? {
        guard let value = value(key, required: required) else { return nil }
        guard case .integer(let number) = value else {
            context.fail(.wrongType, at(key), "expected an integer, found \(value.typeName)")
            return nil
        }
        guard range.contains(number) else {
            context.fail(.outOfRange, at(key), "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func number(_ key: String, in range: ClosedRange<Double>, required: Bool = true) -> Double? {
        guard let value = value(key, required: required) else { return nil }
        guard let number = value.doubleValue else {
            context.fail(.wrongType, at(key), "expected a number, found \(value.typeName)")
            return nil
        }
        guard range.contains(number) else {
            context.fail(.outOfRange, at(key), "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(
        _ key: String, _ type: E.Type, required: Bool = true
    )
        -> E? where E.RawValue == String
    {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader.enumeration(value, type, path: at(key), context: context)
    }

    static func enumeration<E: RawRepresentable & CaseIterable>(
        _ value: JSONValue, _ type: E.Type, path: @autoclosure () -> String, context: DecodeContext
    ) -> E? where E.RawValue == String {
        guard case .string(let text) = value else {
            context.fail(.wrongType, path(), "expected a string, found \(value.typeName)")
            return nil
        }
        guard let result = E(rawValue: text) else {
            let options = E.allCases.map(\.rawValue).joined(separator: ", ")
            context.fail(
                .unknownValue, path(), "unknown value \"\(text.prefix(40))\"; expected one of: \(options)")
            return nil
        }
        return result
    }

    mutating func timestamp(_ key: String, required: Bool = true) -> Timestamp? {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader.timestamp(value, path: at(key), context: context)
    }

    static func timestamp(
        _ value: JSONValue, path: @autoclosure () -> String, context: DecodeContext
    ) -> Timestamp? {
        guard let text = string(value, path: path(), max: 40, allowEmpty: false, context: context) else {
            return nil
        }
        guard let timestamp = Timestamp(rfc3339: text) else {
            context.fail(
                .invalidTimestamp, path(),
                "\"\(text)\" is not an RFC 3339 time with an offset, e.g. 2019-03-18T10:45:00+01:00")
            return nil
        }
        return timestamp
    }

    mutating func object(_ key: String, required: Bool = true) -> FieldReader? {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader(value, path: at(key), context: context)
    }

    /// The items of an array field with their paths; nil (with a problem) when not an array or too long.
    mutating func array(
        _ key: String, max: Int = DocumentLimits.listItems, required: Bool = true
    )
        -> [(JSONValue, String)]?
    {
        guard let value = value(key, required: required) else { return nil }
        guard case .array(let items) = value else {
            context.fail(.wrongType, at(key), "expected an array, found \(value.typeName)")
            return nil
        }
        guard items.count <= max else {
            context.fail(.tooLong, at(key), "at most \(max) items, found \(items.count)")
            return nil
        }
        return items.enumerated().map { ($1, "\(at(key))[\($0)]") }
    }

    /// An array of strings, each checked like ``string(_:max:required:allowEmpty:)``.
    mutating func strings(_ key: String, max: Int, required: Bool = true) -> [String]? {
        guard let items = array(key, required: required) else { return nil }
        var result: [String] = []
        var ok = true
        for (item, path) in items {
            if let text = FieldReader.string(item, path: path, max: max, allowEmpty: false, context: context)
            {
                result.append(text)
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    // MARK: Codes

    mutating func organisation(_ key: String, required: Bool = true) -> OrganisationCode? {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader.organisation(value, path: at(key), context: context)
    }

    static func organisation(
        _ value: JSONValue, path: @autoclosure () -> String, context: DecodeContext
    ) -> OrganisationCode? {
        guard case .string(let text) = value else {
            context.fail(.wrongType, path(), "expected an organisation code, found \(value.typeName)")
            return nil
        }
        guard let code = OrganisationCode.inNetwork(text) else {
            context.fail(
                .unknownCode, path(),
                "unknown organisation \"\(text.prefix(40))\" (NATIONAL, NCTV, POLICE, VR01…VR25)")
            return nil
        }
        return code
    }

    static func region(
        _ value: JSONValue, path: @autoclosure () -> String, context: DecodeContext
    ) -> OrganisationCode? {
        guard let code = organisation(value, path: path(), context: context) else { return nil }
        guard code.isSafetyRegion else {
            context.fail(.unknownCode, path(), "\(code) is not a safety region (VR01…VR25)")
            return nil
        }
        return code
    }

    static func municipality(
        _ value: JSONValue, path: @autoclosure () -> String, context: DecodeContext
    ) -> MunicipalityCode? {
        guard case .string(let text) = value else {
            context.fail(.wrongType, path(), "expected a municipality code, found \(value.typeName)")
            return nil
        }
        let code = MunicipalityCode(text)
        guard context.reference.municipalities[code] != nil else {
            context.fail(
                .unknownCode, path(), "unknown municipality code \"\(text.prefix(40))\" (e.g. GM0344)")
            return nil
        }
        return code
    }

    mutating func municipality(_ key: String, required: Bool = true) -> MunicipalityCode? {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader.municipality(value, path: at(key), context: context)
    }

    mutating func incidentID(_ key: String, required: Bool = true) -> IncidentID? {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader.incidentID(value, path: at(key), context: context)
    }

    static func incidentID(
        _ value: JSONValue, path: @autoclosure () -> String, context: DecodeContext
    ) -> IncidentID? {
        guard case .string(let text) = value else {
            context.fail(.wrongType, path(), "expected an incident id, found \(value.typeName)")
            return nil
        }
        guard let id = IncidentID(text) else {
            context.fail(.invalidID, path(), "an incident id has 3–64 letters, digits, '-', '_' or '.'")
            return nil
        }
        return id
    }

    mutating func reportID(_ key: String, required: Bool = true) -> ReportID? {
        guard let value = value(key, required: required) else { return nil }
        guard case .string(let text) = value else {
            context.fail(.wrongType, at(key), "expected a report id, found \(value.typeName)")
            return nil
        }
        guard let id = ReportID(text) else {
            context.fail(
                .invalidID, at(key),
                "a report id is a lowercase UUID such as 3f2b8c1e-9d4a-4e7b-8c1d-2a3b4c5d6e7f")
            return nil
        }
        return id
    }

    mutating func classification(_ key: String = "classification") -> Classification? {
        guard let value = value(key, required: true) else { return nil }
        return FieldReader.classification(value, path: at(key), context: context)
    }

    static func classification(
        _ value: JSONValue, path: @autoclosure () -> String, context: DecodeContext
    ) -> Classification? {
        switch value {
        case .string(let name):
            switch name {
            case "public": return .publicInformation
            case "partners": return .partners
            case "police": return .policeOnly
            case "national": return .national
            default:
                context.fail(
                    .unknownValue, path(),
                    "unknown classification \"\(name.prefix(40))\"; expected public, partners, police, national, {\"parties\": [...]} or {\"kinds\": [...], \"groups\": [...]}"
                )
                return nil
            }
        case .object(let object) where object["parties"] == nil:
            return audience(value, path: path(), context: context)
        case .object:
            guard var reader = FieldReader(value, path: path(), context: context) else { return nil }
            defer { reader.finish() }
            guard let items = reader.array("parties", max: OrganisationCode.all.count) else { return nil }
            guard !items.isEmpty else {
                context.fail(.missingField, reader.at("parties"), "name at least one party")
                return nil
            }
            var set = OrganisationSet()
            var ok = true
            for (item, itemPath) in items {
                if let code = organisation(item, path: itemPath, context: context) {
                    set.insert(code)
                } else {
                    ok = false
                }
            }
            return ok ? .parties(set) : nil
        default:
            context.fail(
                .wrongType, path(),
                "expected a classification name or {\"parties\": [...]}, found \(value.typeName)")
            return nil
        }
    }
}

extension Classification {
    /// The document and wire form: a name, `{"parties": [...]}`, or an audience
    /// `{"kinds": [...], "groups": [...]}` (envelope version 2, docs/PROTOCOL.md §10).
    public var json: JSONValue {
        switch self {
        case .parties(let set):
            return .object(["parties": .array(set.map { .string($0.rawValue) })])
        case .audience(let audience):
            // Only the lists used: the document's bytes name what the writer chose, no more.
            var object: [String: JSONValue] = [:]
            if !audience.kinds.isEmpty {
                object["kinds"] = .array(audience.kinds.map { .string($0.rawValue) })
            }
            if !audience.groups.isEmpty { object["groups"] = .array(audience.groups.map { .string($0) }) }
            return .object(object)
        default:
            return .string(name)
        }
    }
}
