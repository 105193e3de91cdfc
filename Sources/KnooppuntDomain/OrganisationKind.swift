/// What an organisation is: open by configuration. The 28 reference organisations have
/// their kinds built in; a partner's comes from network.json (`organisations.CODE.kind`), and
/// any word of the right shape is a kind, so a network can name kinds this build never heard of.
public struct OrganisationKind: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// The longest kind name.
    public static let maximumLength = 32

    /// A kind from its name: a lower-case letter, then letters, digits or hyphens; nil otherwise.
    public init?(rawValue: String) {
        let bytes = Array(rawValue.utf8)
        guard (1...Self.maximumLength).contains(bytes.count), let first = bytes.first,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
            bytes.allSatisfy({
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-")
            })
        else { return nil }
        self.rawValue = rawValue
    }

    init(named: String) { rawValue = named }

    /// The national node and desk.
    public static let national = OrganisationKind(named: "national")
    public static let nctv = OrganisationKind(named: "nctv")
    public static let police = OrganisationKind(named: "police")
    public static let safetyRegion = OrganisationKind(named: "safetyRegion")
    /// A ministry's departmental crisis centre (DCC).
    public static let ministry = OrganisationKind(named: "ministry")
    /// Vital infrastructure: Rijkswaterstaat, ProRail, the grid operators.
    public static let infrastructure = OrganisationKind(named: "infrastructure")
    public static let waterBoard = OrganisationKind(named: "waterBoard")
    /// GGD/GHOR and the other health partners.
    public static let health = OrganisationKind(named: "health")
    /// Defensie and the Koninklijke Marechaussee.
    public static let defence = OrganisationKind(named: "defence")
    /// The OM, DJI and the other partners of justice.
    public static let justice = OrganisationKind(named: "justice")
    public static let municipality = OrganisationKind(named: "municipality")
    /// A partner whose configuration names no kind.
    public static let other = OrganisationKind(named: "other")

    /// The kinds only the 28 reference organisations have: a partner cannot claim one, so a
    /// policy naming `safety regions` or `kind: safetyRegion` still means VR01…VR25 only.
    public static let referenceOnly: Set<OrganisationKind> = [.national, .nctv, .police, .safetyRegion]

    /// The kinds this build names, in the order lists show them.
    public static let named: [OrganisationKind] = [
        .national, .nctv, .police, .safetyRegion, .ministry, .infrastructure, .waterBoard, .health, .defence,
        .justice, .municipality, .other,
    ]

    public var description: String { rawValue }

    /// Named kinds in ``named`` order first, then others by name.
    public static func < (lhs: OrganisationKind, rhs: OrganisationKind) -> Bool {
        let left = named.firstIndex(of: lhs) ?? named.count
        let right = named.firstIndex(of: rhs) ?? named.count
        return left != right ? left < right : lhs.rawValue < rhs.rawValue
    }
}
