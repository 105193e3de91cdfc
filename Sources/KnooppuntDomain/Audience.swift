/// Readers named by what they are rather than by code: every organisation of some kinds
/// (`waterBoard`) and every member of some groups (`vital-infrastructure`).
///
/// An audience is resolved against the organisations of the moment, never when the report is
/// written: the origin signs the names, not a list, so a water board added to the network
/// later reads a section written for every water board, in its snapshot and from then on.
public struct Audience: Hashable, Sendable, CustomStringConvertible {
    /// Sorted, no duplicates.
    public let kinds: [OrganisationKind]
    /// Sorted, no duplicates.
    public let groups: [String]

    /// The most kinds, and the most groups, one audience names.
    public static let maximumNames = 16

    /// Nil when it names nothing, more than ``maximumNames`` kinds or groups, or a group that
    /// is not a group name.
    public init?(kinds: [OrganisationKind] = [], groups: [String] = []) {
        let kinds = Array(Set(kinds)).sorted { $0.rawValue < $1.rawValue }
        let groups = Array(Set(groups)).sorted()
        guard !(kinds.isEmpty && groups.isEmpty), kinds.count <= Self.maximumNames,
            groups.count <= Self.maximumNames, groups.allSatisfy(Organisation.isGroupName)
        else { return nil }
        self.kinds = kinds
        self.groups = groups
    }

    /// Whether `organisation` is of one of the kinds or a member of one of the groups.
    public func includes(_ organisation: Organisation) -> Bool {
        kinds.contains(organisation.kind) || groups.contains { organisation.groups.contains($0) }
    }

    /// The kind or group this audience names that `registry` does not know (nil when it knows
    /// them all): a kind is known when this build names it or an organisation of the network
    /// (or a removed partner) has it; a group when one of them is a member. A misspelt name
    /// would otherwise be a section nobody ever reads.
    public func unknownName(in registry: OrganisationRegistry) -> String? {
        let everyone = registry.organisations + registry.former
        if let kind = kinds.first(where: { kind in
            !OrganisationKind.named.contains(kind) && !everyone.contains { $0.kind == kind }
        }) {
            return "kind \(kind)"
        }
        if let group = groups.first(where: { group in !everyone.contains { $0.groups.contains(group) } }) {
            return "group \(group)"
        }
        return nil
    }

    /// `kind:waterBoard+group:vital-infrastructure`: the form `knooppunt publish` reads.
    public var description: String {
        (kinds.map { "kind:\($0)" } + groups.map { "group:\($0)" }).joined(separator: "+")
    }

    /// Reads ``description``'s form: `kind:K` and `group:G` joined by `+`; nil otherwise.
    public init?(parsing text: String) {
        var kinds: [OrganisationKind] = []
        var groups: [String] = []
        for part in text.split(separator: "+", omittingEmptySubsequences: false) {
            if part.hasPrefix("kind:"), let kind = OrganisationKind(rawValue: String(part.dropFirst(5))) {
                kinds.append(kind)
            } else if part.hasPrefix("group:") {
                groups.append(String(part.dropFirst(6)))
            } else {
                return nil
            }
        }
        self.init(kinds: kinds, groups: groups)
    }
}
