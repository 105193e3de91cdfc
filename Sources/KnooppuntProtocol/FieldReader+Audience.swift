import KnooppuntDomain
import StrictJSON

extension FieldReader {
    /// `{"kinds": [...], "groups": [...]}`, each list optional but not both, and not empty when
    /// there (docs/PROTOCOL.md §3). Only the shape is checked here: whether the network knows a
    /// kind or a group is the node's question when it accepts a report (E221), so a receiver
    /// whose network.json lags still reads what the node sent.
    static func audience(_ value: JSONValue, path: String, context: DecodeContext) -> Classification? {
        guard var reader = FieldReader(value, path: path, context: context) else { return nil }
        defer { reader.finish() }
        let kindItems = reader.array("kinds", max: Audience.maximumNames, required: false)
        let groupItems = reader.array("groups", max: Audience.maximumNames, required: false)
        var kinds: [OrganisationKind] = []
        var groups: [String] = []
        // A list that is there but not a list of at most the limit has its problem already.
        var ok = !(reader.has("kinds") && kindItems == nil) && !(reader.has("groups") && groupItems == nil)
        for (item, itemPath) in kindItems ?? [] {
            if case .string(let text) = item, let kind = OrganisationKind(rawValue: text) {
                kinds.append(kind)
            } else {
                context.fail(.unknownValue, itemPath, "expected a kind, a word such as waterBoard")
                ok = false
            }
        }
        for (item, itemPath) in groupItems ?? [] {
            if case .string(let text) = item, Organisation.isGroupName(text) {
                groups.append(text)
            } else {
                context.fail(.unknownValue, itemPath, "expected a group, a name such as vital-infrastructure")
                ok = false
            }
        }
        // A list that is there names something (as JSON Schema's minItems says).
        for (key, items) in [("kinds", kindItems), ("groups", groupItems)] where items?.isEmpty == true {
            context.fail(.missingField, reader.at(key), "name at least one, or leave \"\(key)\" out")
            ok = false
        }
        guard ok else { return nil }
        guard let audience = Audience(kinds: kinds, groups: groups) else {
            context.fail(
                .missingField, path, "name kinds, groups or both, or use {\"parties\": [...]}")
            return nil
        }
        return .audience(audience)
    }
}
