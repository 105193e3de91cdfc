import KnooppuntDomain
import StrictJSON
import Yams

/// Reads operator documents (JSON or YAML) into JSON values, with every failure a ``Problem``.
public enum DocumentReader {
    public enum Format: Sendable {
        case json, yaml
        /// JSON when the text starts with `{` or `[` (after whitespace), YAML otherwise.
        public static func detect(_ bytes: [UInt8]) -> Format {
            let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
            return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .yaml
        }
    }

    /// Reads a document of either format (detected unless given).
    public static func read(_ bytes: [UInt8], format: Format? = nil) throws(Problems) -> JSONValue {
        guard bytes.count <= DocumentLimits.documentBytes else {
            throw Problems(
                Problem(.tooLong, field: "$", "a document is at most \(DocumentLimits.documentBytes) bytes"))
        }
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw Problems(Problem(.emptyDocument, field: "$", "the document is empty"))
        }
        switch format ?? Format.detect(bytes) {
        case .json: return try parseJSON(bytes, field: "$")
        case .yaml: return try parseYAML(bytes)
        }
    }

    /// Strict JSON with problems mapped to protocol codes.
    public static func parseJSON(_ bytes: [UInt8], field: String) throws(Problems) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            let code: ErrorCode
            switch error.kind {
            case .invalidUTF8: code = .invalidUTF8
            case .tooDeep: code = .tooDeep
            case .duplicateKey: code = .duplicateKey
            case .tooLong: code = .tooLong
            case .numberOutOfRange: code = .outOfRange
            case .syntax: code = .invalidJSON
            }
            throw Problems(Problem(code, field: field, error.description))
        }
    }

    /// YAML 1.1 as a JSON value: only plain scalars are typed (bool, int, float, null);
    /// timestamps stay text, so our own timestamp check applies. Anchors and merge keys are
    /// not part of a report document.
    static func parseYAML(_ bytes: [UInt8]) throws(Problems) -> JSONValue {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problems(Problem(.invalidUTF8, field: "$", "the document is not valid UTF-8"))
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, yamlResolver)
        } catch {
            throw Problems(
                Problem(
                    .invalidYAML, field: "$", "not readable as YAML: \(String(describing: error).prefix(300))"
                ))
        }
        guard let node else { throw Problems(Problem(.emptyDocument, field: "$", "the document is empty")) }
        return try convert(node, path: "$", depth: 0)
    }

    /// Plain scalars typed as bool, int, float or null; no timestamps, merge keys or `=` values.
    /// (Resolver is an immutable value that Yams does not mark Sendable.)
    nonisolated(unsafe) private static let yamlResolver = Resolver.default.removing(.timestamp).removing(
        .merge
    ).removing(.value)

    private static func convert(_ node: Node, path: String, depth: Int) throws(Problems) -> JSONValue {
        guard depth <= JSONParser.maxDepth else {
            throw Problems(Problem(.tooDeep, field: path, "nested deeper than \(JSONParser.maxDepth)"))
        }
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:bool":
                guard let flag = node.bool else {
                    throw Problems(
                        Problem(.wrongType, field: path, "\(scalar.string.prefix(40)) is not a boolean"))
                }
                return .bool(flag)
            case "tag:yaml.org,2002:int":
                guard let value = Int64(scalar.string.replacingOccurrences(of: "_", with: "")) else {
                    throw Problems(
                        Problem(.outOfRange, field: path, "integer \(scalar.string.prefix(40)) out of range"))
                }
                return .integer(value)
            case "tag:yaml.org,2002:float":
                guard let value = node.float, value.isFinite else {
                    throw Problems(
                        Problem(.outOfRange, field: path, "number \(scalar.string.prefix(40)) out of range"))
                }
                return .number(value)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]", depth: depth + 1))
            }
            return .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw Problems(Problem(.wrongType, field: path, "mapping keys must be plain text"))
                }
                let name = keyScalar.string
                let child = path == "$" ? name : "\(path).\(name)"
                guard
                    object.updateValue(try convert(value, path: child, depth: depth + 1), forKey: name) == nil
                else {
                    throw Problems(Problem(.duplicateKey, field: child, "duplicate key \"\(name)\""))
                }
            }
            return .object(object)
        }
    }
}
