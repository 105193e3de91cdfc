import StrictJSON

/// A step into a JSON value: an object key or an array index.
enum JSONStep: Sendable, Hashable {
    case key(String)
    case index(Int)
}

extension JSONValue {
    /// The value with the one at `path` replaced (nil removes it). Paths that do not exist are
    /// created as objects, so a test can add a field anywhere.
    func setting(_ path: [JSONStep], to newValue: JSONValue?) -> JSONValue {
        guard let step = path.first else { return newValue ?? .null }
        let rest = Array(path.dropFirst())
        switch (self, step) {
        case (.array(var items), .index(let index)) where items.indices.contains(index):
            if rest.isEmpty && newValue == nil {
                items.remove(at: index)
            } else {
                items[index] = items[index].setting(rest, to: newValue)
            }
            return .array(items)
        case (.object(var members), .key(let key)):
            if rest.isEmpty && newValue == nil {
                members.removeValue(forKey: key)
            } else {
                members[key] = (members[key] ?? .object([:])).setting(rest, to: newValue)
            }
            return .object(members)
        default:
            return self
        }
    }

    /// Every path in the value, depth first (the root is the empty path).
    var allPaths: [[JSONStep]] {
        var result: [[JSONStep]] = [[]]
        switch self {
        case .object(let members):
            for key in members.keys.sorted() {
                result += members[key]!.allPaths.map { [.key(key)] + $0 }
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                result += item.allPaths.map { [.index(index)] + $0 }
            }
        default: break
        }
        return result
    }

    func value(at path: [JSONStep]) -> JSONValue? {
        var current: JSONValue? = self
        for step in path {
            switch (current, step) {
            case (.object(let members)?, .key(let key)): current = members[key]
            case (.array(let items)?, .index(let index)) where items.indices.contains(index):
                current = items[index]
            default: return nil
            }
        }
        return current
    }
}

/// `"a.b"` → `[.key("a"), .key("b")]`; `"items[2]"` → `[.key("items"), .index(2)]`.
func steps(_ path: String) -> [JSONStep] {
    var result: [JSONStep] = []
    for part in path.split(separator: ".") {
        var name = Substring(part)
        var indices: [Int] = []
        while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
            indices.insert(Int(name[name.index(after: open)..<name.index(before: name.endIndex)])!, at: 0)
            name = name[..<open]
        }
        result.append(.key(String(name)))
        result += indices.map(JSONStep.index)
    }
    return result
}
