/// An organisation in the network, by its code: `NATIONAL`, `NCTV`, `POLICE` or `VR01`…`VR25`.
///
/// Organisations are always joined by code, never by name. Each runs one daemon and holds one
/// identity (CURVE key, signing key); everything it sends is bound to that identity.
public struct OrganisationCode: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// The national node and the national desk (LOCC/NCC).
    public static let national = OrganisationCode(unchecked: "NATIONAL")
    /// The National Coordinator for Security and Counterterrorism.
    public static let nctv = OrganisationCode(unchecked: "NCTV")
    /// The national police, one organisation; its units are a field of its reports.
    public static let police = OrganisationCode(unchecked: "POLICE")

    /// The 25 safety-region codes, VR01…VR25.
    public static let safetyRegions: [OrganisationCode] = (1...25).map {
        OrganisationCode(unchecked: $0 < 10 ? "VR0\($0)" : "VR\($0)")
    }

    /// Every organisation of the national network, in a stable order.
    public static let all: [OrganisationCode] = [.national, .nctv, .police] + safetyRegions

    /// Parses a code; nil when it names no organisation of the network.
    public init?(_ text: String) {
        guard Self.valid.contains(text) else { return nil }
        rawValue = text
    }

    init(unchecked: String) { rawValue = unchecked }

    private static let valid: Set<String> = Set(
        ["NATIONAL", "NCTV", "POLICE"] + (1...25).map { $0 < 10 ? "VR0\($0)" : "VR\($0)" })

    public enum Kind: String, Sendable { case national, nctv, police, safetyRegion }

    public var kind: Kind {
        switch rawValue {
        case "NATIONAL": .national
        case "NCTV": .nctv
        case "POLICE": .police
        default: .safetyRegion
        }
    }

    public var isSafetyRegion: Bool { kind == .safetyRegion }

    /// Index in ``all`` (0…27): a stable small number for bit sets of organisations.
    public var index: Int { Self.indexByCode[rawValue]! }
    private static let indexByCode: [String: Int] = Dictionary(
        uniqueKeysWithValues: all.enumerated().map { ($1.rawValue, $0) })

    public var description: String { rawValue }

    public static func < (lhs: OrganisationCode, rhs: OrganisationCode) -> Bool {
        lhs.index < rhs.index
    }
}

/// A set of organisations as a bit set over ``OrganisationCode/index`` (28 members at most).
public struct OrganisationSet: Hashable, Sendable, Sequence {
    public private(set) var bits: UInt32

    public init(bits: UInt32 = 0) { self.bits = bits }
    public init<S: Sequence>(_ members: S) where S.Element == OrganisationCode {
        bits = 0
        for member in members { insert(member) }
    }

    public static let everyone = OrganisationSet(OrganisationCode.all)

    public func contains(_ code: OrganisationCode) -> Bool { bits & (1 << UInt32(code.index)) != 0 }
    public mutating func insert(_ code: OrganisationCode) { bits |= 1 << UInt32(code.index) }
    public var isEmpty: Bool { bits == 0 }
    public var count: Int { bits.nonzeroBitCount }

    public func makeIterator() -> IndexingIterator<[OrganisationCode]> {
        OrganisationCode.all.filter { contains($0) }.makeIterator()
    }
}
