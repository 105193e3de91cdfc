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

    /// The longest group name.
    public static let maximumGroupLength = 40

    /// Whether `text` is a group name: a lower-case letter, then lower-case letters, digits or
    /// hyphens, at most ``maximumGroupLength`` characters.
    public static func isGroupName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        guard (1...maximumGroupLength).contains(bytes.count), lower.contains(bytes[0]) else { return false }
        return bytes.allSatisfy {
            lower.contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
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
/// configuration adds, in the codes' stable order (the 28 first, then by code), and the
/// partners it removed (``former``), whose reports stay in the picture and the audit log.
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
    /// Partners removed from the network (`knooppunt org remove`), in the stable order: they
    /// have no key, no view and no connection any more, but the reports they wrote stay, so
    /// their code still reads in a document (``knows(_:)``).
    public let former: [Organisation]
    private let positions: [OrganisationCode: Int]
    private let formerCodes: Set<OrganisationCode>

    /// A registry of these organisations plus the 28 reference organisations (which every
    /// network has: only a partner can be removed). A later entry for the same code replaces
    /// an earlier one; one of the 28 keeps its built-in kind. A former partner that is also an
    /// entry (added again) is a member, not former.
    public init(_ entries: [Organisation], former: [Organisation] = []) {
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
        var gone: [OrganisationCode: Organisation] = [:]
        for entry in former where byCode[entry.code] == nil && !entry.code.isReference {
            gone[entry.code] = entry
        }
        self.former = gone.keys.sorted().map { gone[$0]! }
        formerCodes = Set(gone.keys)
    }

    /// The 28 reference organisations only: every network before partners.
    public static let reference = OrganisationRegistry([])

    /// Whether `code` is an organisation of the network now.
    public func contains(_ code: OrganisationCode) -> Bool { positions[code] != nil }

    /// Whether `code` is or was an organisation of the network: what a document may name,
    /// so a removed partner's reports keep reading.
    public func knows(_ code: OrganisationCode) -> Bool {
        positions[code] != nil || formerCodes.contains(code)
    }

    /// The organisation of a code, current or former.
    public func organisation(_ code: OrganisationCode) -> Organisation? {
        if let at = positions[code] { return organisations[at] }
        return formerCodes.contains(code) ? former.first { $0.code == code } : nil
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

    /// What changed from `old` to this registry: codes added, removed, and those whose
    /// description (name, kind, area, groups) changed. Empty when nothing did.
    public func changes(from old: OrganisationRegistry) -> RegistryChanges {
        RegistryChanges(
            added: codes.filter { !old.contains($0) },
            removed: old.codes.filter { !contains($0) },
            changed: organisations.filter { entry in
                old.organisation(entry.code).map { old.contains(entry.code) && $0 != entry } ?? false
            }.map(\.code))
    }

    /// The registry the running program uses: its network's, once the program has loaded
    /// network.json and called ``install(_:)``; the 28 until then.
    ///
    /// A read takes an uncontended lock and copies the value out: fine for decoders and
    /// command lines. The write policy and the picture hold the registry they were given on
    /// the node's poll loop (see NodeLoop+Config.swift). One per-report path still asks it:
    /// `Classification.allows(_:)` for a section classified for a kind or group, through
    /// ``installedOrganisation(_:)`` (one lock per view, only for such sections).
    public static var installed: OrganisationRegistry { current.withLock { $0 } }

    /// Makes `registry` the program's network: at start, and again whenever a node or a daemon
    /// reloads a network.json whose organisations changed (an added or removed partner).
    public static func install(_ registry: OrganisationRegistry) { current.withLock { $0 = registry } }

    /// Whether the installed registry ``knows(_:)`` `code`, read under the lock without
    /// copying the registry out.
    public static func isKnown(_ code: OrganisationCode) -> Bool { current.withLock { $0.knows(code) } }

    /// The kind the installed registry gives `code` (nil when it does not know it).
    static func installedKind(of code: OrganisationCode) -> OrganisationKind? {
        current.withLock { $0.organisation(code)?.kind }
    }

    /// The entry the installed registry has for `code` (nil when it does not know it), read
    /// under the lock without copying the registry out: what an audience asks per view.
    static func installedOrganisation(_ code: OrganisationCode) -> Organisation? {
        current.withLock { $0.organisation(code) }
    }

    private static let current = Mutex(OrganisationRegistry.reference)
}

/// What a reload of network.json changed in the organisations (for the audit log and the log).
public struct RegistryChanges: Hashable, Sendable {
    public let added: [OrganisationCode]
    public let removed: [OrganisationCode]
    /// Members before and after whose name, kind, area or groups changed.
    public let changed: [OrganisationCode]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}
