import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

extension WritePolicy {
    /// The policy file in a data folder that replaces the built-in policy when present.
    public static let fileName = "policy.yaml"

    /// Reads a policy file (YAML or JSON, the format of config/policy.yaml). Every mistake is
    /// an error naming the rule and field: a policy is never guessed.
    public init(yaml bytes: [UInt8], reference: ReferenceData = .builtIn) throws(PolicyError) {
        let value: JSONValue
        do {
            value = try DocumentReader.read(bytes)
        } catch {
            throw PolicyError("not readable: \(error.first.message)")
        }
        guard let top = value.objectValue else { throw PolicyError("the policy is a mapping") }
        if let unknown = Set(top.keys).subtracting(["version", "rules", "policeInternal"]).sorted().first {
            throw PolicyError("unknown key \(unknown)")
        }
        guard top["version"]?.integerValue == 1 else { throw PolicyError("version must be 1") }
        guard let list = top["rules"]?.arrayValue else { throw PolicyError("rules must be a list") }
        var rules: [PolicyRule] = []
        for (index, item) in list.enumerated() {
            let rule = try Self.rule(item, at: index)
            guard !rules.contains(where: { $0.id == rule.id }) else {
                throw PolicyError("rules[\(index)]: the id \(rule.id) is used twice")
            }
            rules.append(rule)
        }
        let police = top["policeInternal"]?.objectValue ?? [:]
        if let unknown = Set(police.keys).subtracting(["labels", "terms"]).sorted().first {
            throw PolicyError("policeInternal: unknown key \(unknown)")
        }
        func strings(_ key: String) throws(PolicyError) -> [String] {
            guard let entry = police[key] else { return [] }
            guard let items = entry.arrayValue?.compactMap(\.stringValue),
                items.count == entry.arrayValue?.count
            else { throw PolicyError("policeInternal.\(key) must be a list of text") }
            return items
        }
        self.init(
            rules: rules,
            policeInternal: try PoliceInternalPolicy(
                labels: try strings("labels"), terms: try strings("terms")),
            digest: Self.sha256Hex(bytes), reference: reference)
    }

    private static func rule(_ item: JSONValue, at index: Int) throws(PolicyError) -> PolicyRule {
        let place = "rules[\(index)]"
        guard let fields = item.objectValue else { throw PolicyError("\(place) must be a mapping") }
        if let unknown = Set(fields.keys).subtracting(["id", "writes", "allowed", "code", "says"]).sorted()
            .first
        {
            throw PolicyError("\(place): unknown key \(unknown)")
        }
        guard let id = fields["id"]?.stringValue, !id.isEmpty else {
            throw PolicyError("\(place) needs an id")
        }
        guard let writesText = fields["writes"]?.stringValue, let writes = PolicySubject(rawValue: writesText)
        else {
            throw PolicyError(
                "\(place) (\(id)): writes must be one of \(PolicySubject.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard let allowedList = fields["allowed"]?.arrayValue, !allowedList.isEmpty else {
            throw PolicyError("\(place) (\(id)): allowed must be a non-empty list")
        }
        var allowed: [PolicyPrincipal] = []
        for entry in allowedList {
            // `kind: infrastructure` and `group: vital-infrastructure` are one-key mappings.
            if let pair = entry.objectValue {
                guard pair.count == 1, let (key, value) = pair.first, let text = value.stringValue,
                    let principal = PolicyPrincipal(membership: key, text)
                else {
                    throw PolicyError(
                        "\(place) (\(id)): \(entry) must be `kind: K` (a kind such as infrastructure) or `group: G` (a group name such as vital-infrastructure)"
                    )
                }
                allowed.append(principal)
                continue
            }
            guard let text = entry.stringValue, let principal = PolicyPrincipal(text) else {
                throw PolicyError(
                    "\(place) (\(id)): \(entry) is neither an organisation code, `kind: K`, `group: G` nor one of \(PolicyPrincipal.roles.keys.sorted().joined(separator: ", "))"
                )
            }
            allowed.append(principal)
        }
        var code = ErrorCode.notPermitted
        if let number = fields["code"] {
            guard let raw = number.integerValue, let named = ErrorCode(rawValue: Int(raw)),
                [.notPermitted, .incidentConflict].contains(named)
            else { throw PolicyError("\(place) (\(id)): code must be 301 or 403") }
            code = named
        }
        guard let says = fields["says"]?.stringValue, !says.isEmpty else {
            throw PolicyError("\(place) (\(id)): says must state the rule in a sentence")
        }
        return PolicyRule(id: id, writes: writes, allowed: allowed, code: code, says: says)
    }
}
