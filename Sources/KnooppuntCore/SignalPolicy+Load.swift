import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

extension SignalPolicy {
    /// The signal policy file in a data folder that replaces the built-in one when present.
    public static let fileName = "signals.yaml"
    /// The longest acknowledgement deadline a file may set (30 days), in minutes.
    public static let maximumAcknowledgeMinutes: Int64 = 30 * 24 * 60

    /// Reads a signal policy (YAML or JSON, the format of config/signals.yaml). Every mistake
    /// is an error naming the rule and field.
    public init(yaml bytes: [UInt8]) throws(PolicyError) {
        let value: JSONValue
        do {
            value = try DocumentReader.read(bytes)
        } catch {
            throw PolicyError("not readable: \(error.first.message)")
        }
        guard let top = value.objectValue else { throw PolicyError("the signal policy is a mapping") }
        let keys: Set<String> = [
            "version", "acknowledgeWithinMinutes", "maximumRetentionDays", "legalBases", "rules",
        ]
        if let unknown = Set(top.keys).subtracting(keys).sorted().first {
            throw PolicyError("unknown key \(unknown)")
        }
        guard top["version"]?.integerValue == 1 else { throw PolicyError("version must be 1") }
        guard let minutes = top["acknowledgeWithinMinutes"]?.integerValue,
            (1...Self.maximumAcknowledgeMinutes).contains(minutes)
        else {
            throw PolicyError("acknowledgeWithinMinutes must be 1…\(Self.maximumAcknowledgeMinutes)")
        }
        guard let retention = top["maximumRetentionDays"]?.integerValue,
            (1...Int64(Signal.maximumRetentionDays)).contains(retention)
        else { throw PolicyError("maximumRetentionDays must be 1…\(Signal.maximumRetentionDays)") }
        var bases: [LegalBasis] = []
        for (index, item) in (top["legalBases"]?.arrayValue ?? []).enumerated() {
            guard let fields = item.objectValue, Set(fields.keys) == ["code", "description"],
                let code = fields["code"]?.stringValue, SignalShapes.isLegalBasisCode(code),
                let description = fields["description"]?.stringValue, !description.isEmpty
            else {
                throw PolicyError(
                    "legalBases[\(index)] needs a code (A-Z, 0-9, -) and a description, nothing else")
            }
            guard !bases.contains(where: { $0.code == code }) else {
                throw PolicyError("legalBases[\(index)]: \(code) is listed twice")
            }
            bases.append(LegalBasis(code: code, description: description))
        }
        guard !bases.isEmpty else { throw PolicyError("legalBases must list at least one legal basis") }
        guard let list = top["rules"]?.arrayValue else { throw PolicyError("rules must be a list") }
        var rules: [SignalRule] = []
        for (index, item) in list.enumerated() {
            let rule = try Self.rule(item, at: index, bases: Set(bases.map(\.code)))
            guard !rules.contains(where: { $0.id == rule.id }) else {
                throw PolicyError("rules[\(index)]: the id \(rule.id) is used twice")
            }
            rules.append(rule)
        }
        self.init(
            legalBases: bases, rules: rules, acknowledgeWithinMs: minutes * 60_000,
            maximumRetentionDays: Int(retention), digest: Self.sha256Hex(bytes))
    }

    private static func rule(
        _ item: JSONValue, at index: Int, bases known: Set<String>
    ) throws(PolicyError)
        -> SignalRule
    {
        let place = "rules[\(index)]"
        guard let fields = item.objectValue else { throw PolicyError("\(place) must be a mapping") }
        if let unknown = Set(fields.keys).subtracting(["id", "from", "kinds", "to", "bases"]).sorted().first {
            throw PolicyError("\(place): unknown key \(unknown)")
        }
        guard let id = fields["id"]?.stringValue, !id.isEmpty else {
            throw PolicyError("\(place) needs an id")
        }
        func words(_ key: String) throws(PolicyError) -> [String] {
            guard let items = fields[key]?.arrayValue, !items.isEmpty else {
                throw PolicyError("\(place) (\(id)): \(key) must be a non-empty list")
            }
            let texts = items.compactMap(\.stringValue)
            guard texts.count == items.count else { throw PolicyError("\(place) (\(id)): \(key) lists text") }
            return texts
        }
        func kinds(_ key: String) throws(PolicyError) -> Set<OrganisationKind> {
            var result: Set<OrganisationKind> = []
            for text in try words(key) {
                guard let kind = OrganisationKind(rawValue: text) else {
                    throw PolicyError("\(place) (\(id)): \(text) in \(key) is not an organisation kind")
                }
                result.insert(kind)
            }
            return result
        }
        var signalKinds: Set<SignalKind> = []
        for text in try words("kinds") {
            guard let kind = SignalKind(rawValue: text) else {
                throw PolicyError(
                    "\(place) (\(id)): kinds must be of \(SignalKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            signalKinds.insert(kind)
        }
        let ruleBases = Set(try words("bases"))
        if let unknown = ruleBases.subtracting(known).sorted().first {
            throw PolicyError("\(place) (\(id)): \(unknown) is not in legalBases")
        }
        return SignalRule(
            id: id, from: try kinds("from"), kinds: signalKinds, to: try kinds("to"), bases: ruleBases)
    }
}
