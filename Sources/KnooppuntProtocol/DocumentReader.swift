import KnooppuntDomain
import StrictJSON
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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

    /// Most values (scalars, lists, maps) a YAML document may expand to. Anchors and aliases
    /// let a few lines stand for millions of values ("billion laughs"); a report has hundreds.
    public static let maxYAMLValues = 10_000

    /// The largest nesting bound (``yamlNestingBound(_:)``) a YAML text may have before it is
    /// handed to the parser. Far above any report; it sizes the parser thread's stack.
    static let maxYAMLNestingBound = 4_096

    /// Reads a document of either format (detected unless given).
    public static func read(_ bytes: [UInt8], format: Format? = nil) throws(Problems) -> JSONValue {
        guard bytes.count <= DocumentLimits.documentBytes else {
            throw Problems(
                Problem(.tooLong, field: "$", "a document is at most \(DocumentLimits.documentBytes) bytes"))
        }
        // A UTF-8 byte order mark (editors on Windows write one) is not part of the document.
        let bytes = bytes.starts(with: byteOrderMark) ? Array(bytes.dropFirst(3)) : bytes
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

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// YAML 1.1 as a JSON value: only plain scalars are typed (bool, int, float, null);
    /// timestamps stay text, so our own timestamp check applies. Anchors and merge keys are
    /// not part of a report document.
    static func parseYAML(_ bytes: [UInt8]) throws(Problems) -> JSONValue {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problems(Problem(.invalidUTF8, field: "$", "the document is not valid UTF-8"))
        }
        // Yams builds its tree recursively, a few stack frames per nesting level, so deep
        // nesting (`- - - - …` or `[[[[…`) overflows the stack before our depth check can run.
        // Bound the nesting from the text first, then parse on a thread whose stack fits it.
        let bound = yamlNestingBound(bytes)
        guard bound <= maxYAMLNestingBound else {
            throw Problems(
                Problem(
                    .tooDeep, field: "$",
                    "the YAML is indented too deeply or has too many '[' and '{' to be read safely"))
        }
        let outcome = DedicatedStack.Box<Result<JSONValue, Problems>>()
        let started = DedicatedStack.run(stackBytes: (1 << 20) + bound * 8 * 1024) {
            outcome.value = Result { () throws(Problems) in try composeYAML(text) }
        }
        guard started, let result = outcome.value else {
            throw Problems(Problem(.invalidYAML, field: "$", "could not start the YAML reader; try again"))
        }
        return try result.get()
    }

    private static func composeYAML(_ text: String) throws(Problems) -> JSONValue {
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
        var budget = maxYAMLValues
        return try convert(node, path: "$", depth: 0, budget: &budget)
    }

    /// An upper bound on how deeply a YAML text nests, found without parsing it.
    ///
    /// A block collection inside another is indented further, except a sequence that is a
    /// mapping's value, which may share the mapping's column; so a collection starting at
    /// column c lies at most 2(c+1) block levels deep. Block collections start only at a line's
    /// indentation or right after the indicators and properties that lead the line (`- `, `? `,
    /// `: `, `--- `, `&anchor `, `!tag `). Every flow level needs a `[` or `{`, plus at most
    /// one implicit single-pair mapping per level. Counting every line (comments and block
    /// scalars too) and every bracket (quoted or not) only over-counts, which is safe.
    static func yamlNestingBound(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        func breakLength(_ k: Int) -> Int {
            guard k < n else { return 0 }
            switch bytes[k] {
            case 0x0A, 0x0D: return 1
            case 0xC2 where k + 1 < n && bytes[k + 1] == 0x85: return 2  // NEL
            case 0xE2
            where k + 2 < n && bytes[k + 1] == 0x80 && (bytes[k + 2] == 0xA8 || bytes[k + 2] == 0xA9):
                return 3  // LS, PS
            default: return 0
            }
        }
        func isBlank(_ k: Int) -> Bool { k < n && (bytes[k] == 0x20 || bytes[k] == 0x09) }
        func endsToken(_ k: Int) -> Bool { k == n || isBlank(k) || breakLength(k) > 0 }
        var deepestLead = 0
        var i = bytes.starts(with: byteOrderMark) ? 3 : 0
        while i < n {
            var j = i
            while j < n {
                while isBlank(j) { j += 1 }
                guard j < n else { break }
                let b = bytes[j]
                if b == UInt8(ascii: "-") || b == UInt8(ascii: "?") || b == UInt8(ascii: ":"),
                    endsToken(j + 1)
                {
                    j += 1
                } else if j + 3 <= n,
                    bytes[j..<(j + 3)].elementsEqual("---".utf8)
                        || bytes[j..<(j + 3)].elementsEqual("...".utf8),
                    endsToken(j + 3)
                {
                    j += 3
                } else if b == UInt8(ascii: "&") || b == UInt8(ascii: "!") {
                    while !endsToken(j) { j += 1 }
                } else {
                    break
                }
            }
            deepestLead = max(deepestLead, j - i)
            while j < n && breakLength(j) == 0 { j += 1 }
            i = j + breakLength(j)
        }
        let brackets = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "[") || $1 == UInt8(ascii: "{") ? 1 : 0) }
        return 2 * (deepestLead + 1) + 2 * brackets + 2
    }

    /// Plain scalars typed as bool, int, float or null; no timestamps, merge keys or `=` values.
    /// (Resolver is an immutable value that Yams does not mark Sendable.)
    nonisolated(unsafe) private static let yamlResolver = Resolver.default.removing(.timestamp).removing(
        .merge
    ).removing(.value)

    private static func convert(
        _ node: Node, path: String, depth: Int, budget: inout Int
    ) throws(Problems) -> JSONValue {
        guard depth <= JSONParser.maxDepth else {
            throw Problems(Problem(.tooDeep, field: path, "nested deeper than \(JSONParser.maxDepth)"))
        }
        budget -= 1
        guard budget >= 0 else {
            throw Problems(
                Problem(
                    .tooLong, field: "$",
                    "more than \(maxYAMLValues) values; anchors and aliases are not part of a report"))
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
                items.append(try convert(item, path: "\(path)[\(index)]", depth: depth + 1, budget: &budget))
            }
            return .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw Problems(Problem(.wrongType, field: path, "mapping keys must be plain text"))
                }
                let name = keyScalar.string
                let child = FieldReader.path(path, name)
                guard
                    object.updateValue(
                        try convert(value, path: child, depth: depth + 1, budget: &budget), forKey: name)
                        == nil
                else {
                    throw Problems(
                        Problem(.duplicateKey, field: child, "duplicate key \"\(name.prefix(40))\""))
                }
            }
            return .object(object)
        }
    }
}

/// Runs work on a new thread with a stack of a chosen size and waits for it to finish: for
/// a recursive parser whose depth is bounded but larger than a default stack may hold.
enum DedicatedStack {
    /// Carries a value out of the thread; `pthread_join` orders the write before the read.
    final class Box<Value>: @unchecked Sendable {
        var value: Value?
    }

    private final class Job {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    /// False when the thread could not be started (the work has not run).
    static func run(stackBytes: Int, _ work: @escaping () -> Void) -> Bool {
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return false }
        defer { pthread_attr_destroy(&attributes) }
        let granule = 64 * 1024
        let size = (max(stackBytes, granule) + granule - 1) / granule * granule
        guard pthread_attr_setstacksize(&attributes, size) == 0 else { return false }
        let job = Unmanaged.passRetained(Job(work))
        #if canImport(Darwin)
            var thread: pthread_t?
            let created = pthread_create(
                &thread, &attributes,
                { raw in
                    Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().work()
                    return nil
                }, job.toOpaque())
            guard created == 0, let thread else {
                job.release()
                return false
            }
        #else
            var thread = pthread_t()
            let created = pthread_create(
                &thread, &attributes,
                { raw in
                    Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().work()
                    return nil
                }, job.toOpaque())
            guard created == 0 else {
                job.release()
                return false
            }
        #endif
        return pthread_join(thread, nil) == 0
    }
}
