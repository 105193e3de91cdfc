import Synchronization

/// Where an organisation acts: provinces, safety regions and municipalities (CBS codes). May
/// be empty (a national partner acts everywhere).
public struct OrganisationArea: Hashable, Sendable {
    public var provinces: [ProvinceCode]
    public var regions: [OrganisationCode]
    public var municipalities: [MunicipalityCode]

    public init(
        provinces: [ProvinceCode] = [], regions: [OrganisationCode] = [],
        municipalities: [MunicipalityCode] = []
    ) {
        self.provinces = provinces
        self.regions = regions
        self.municipalities = municipalities
    }

    public var isEmpty: Bool { provinces.isEmpty && regions.isEmpty && municipalities.isEmpty }
}

/// One organisation of the network as its configuration describes it.
public struct Organisation: Hashable, Sendable {
    public var code: OrganisationCode
    public var name: String
    public var kind: OrganisationKind
    public var area: OrganisationArea
    /// Groups it belongs to, e.g. `partners`, `vital-infrastructure`; sorted, no duplicates.
    public var groups: [String]

    public init(
        code: OrganisationCode, name: String, kind: OrganisationKind,
        area: OrganisationArea = OrganisationArea(),
        groups: [String] = []
    ) {
        self.code = code
        self.name = name
        self.kind = kind
        self.area = area
        self.groups = Array(Set(groups)).sorted()
    }

    /// The entry of one of the 28 reference organisations: its built-in kind, its name (a
    /// region's from the reference data) and, for a region, its area. Nil for other codes.
    public static func reference(_ code: OrganisationCode) -> Organisation? {
        guard let kind = code.builtInKind else { return nil }
        switch kind {
        case .national:
            return Organisation(code: code, name: "Nationaal Crisiscentrum (LOCC/NCC)", kind: kind)
        case .nctv:
            return Organisation(
                code: code, name: "Nationaal Coördinator Terrorismebestrijding en Veiligheid", kind: kind)
        case .police: return Organisation(code: code, name: "Politie", kind: kind)
        default:
            let region = ReferenceData.builtIn.regions[code]
            return Organisation(
                code: code, name: region?.name ?? code.rawValue, kind: kind,
                area: OrganisationArea(provinces: region.map { [$0.province] } ?? [], regions: [code]))
        }
    }
}

/// The organisations of one network: the 28 reference organisations and every partner its
/// configuration adds, in the codes' stable order (the 28 first, then by code).
///
/// A value: built from network.json by KnooppuntConfig, compared and passed around freely.
/// The process's current one is ``installed``: what the decoders check a code against and
/// what ``OrganisationCode/all`` and `Picture.allViews` list.
public struct OrganisationRegistry: Hashable, Sendable {
    /// Every organisation, in the codes' stable order.
    public let organisations: [Organisation]
    /// Every code, in the stable order.
    public let codes: [OrganisationCode]
    /// Every organisation, as a set.
    public let everyone: OrganisationSet
    private let positions: [OrganisationCode: Int]

    /// A registry of these organisations plus the 28 reference organisations (which every
    /// network has in this release: removing one is not yet supported). A later entry for the
    /// same code replaces an earlier one; one of the 28 keeps its built-in kind.
    public init(_ entries: [Organisation]) {
        var byCode: [OrganisationCode: Organisation] = [:]
        for code in OrganisationCode.reference { byCode[code] = Organisation.reference(code) }
        for var entry in entries {
            entry.kind = entry.code.builtInKind ?? entry.kind
            byCode[entry.code] = entry
        }
        let sorted = byCode.keys.sorted()
        organisations = sorted.map { byCode[$0]! }
        codes = sorted
        everyone = OrganisationSet(sortedUnique: sorted)
        positions = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
    }

    /// The 28 reference organisations only: every network before partners.
    public static let reference = OrganisationRegistry([])

    public func contains(_ code: OrganisationCode) -> Bool { positions[code] != nil }

    public func organisation(_ code: OrganisationCode) -> Organisation? {
        positions[code].map { organisations[$0] }
    }

    /// The organisations that are not one of the 28.
    public var partners: [Organisation] { organisations.filter { !$0.code.isReference } }

    /// The organisations of one kind, in the stable order.
    public func organisations(of kind: OrganisationKind) -> [Organisation] {
        organisations.filter { $0.kind == kind }
    }

    /// The kinds present, in ``OrganisationKind`` order, each with its organisations.
    public var byKind: [(kind: OrganisationKind, organisations: [Organisation])] {
        Set(organisations.map(\.kind)).sorted().map { kind in (kind, organisations(of: kind)) }
    }

    /// The members of a group.
    public func members(of group: String) -> OrganisationSet {
        OrganisationSet(organisations.filter { $0.groups.contains(group) }.map(\.code))
    }

    /// The registry the running program uses: its network's, once the program has loaded
    /// network.json and called ``install(_:)``; the 28 until then.
    public static var installed: OrganisationRegistry { current.withLock { $0 } }

    /// Makes `registry` the program's network. A program installs its network's registry when
    /// it starts (and, in a later release, on reload).
    public static func install(_ registry: OrganisationRegistry) { current.withLock { $0 = registry } }

    private static let current = Mutex(OrganisationRegistry.reference)
}
