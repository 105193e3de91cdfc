/// An organisation in the network, by its code: `NATIONAL`, `NCTV`, `POLICE`, `VR01`…`VR25`
/// and every partner the network's configuration adds (e.g. `RWS`, `PRORAIL`, `GGD-UTRECHT`).
///
/// Organisations are always joined by code, never by name. Each runs one daemon and holds one
/// identity (CURVE key, signing key); everything it sends is bound to that identity. A code is
/// only well-formed by itself: whether it names an organisation of this network is the
/// registry's answer (``OrganisationRegistry``), because the set of organisations is
/// configuration, not code.
public struct OrganisationCode: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    /// Position among the 28 reference organisations, or ``OrganisationCode/otherRank`` for
    /// every other code: stored so that ordering and set look-ups never hash a string.
    let rank: Int

    /// The longest code: short enough for a ZAP user id, a file name and a table column.
    public static let maximumLength = 24
    /// The shortest code.
    public static let minimumLength = 2
    /// The rank of every code that is not one of the 28: they sort after them, by code.
    static let otherRank = Int.max

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

    /// The 28 organisations every network has had since the start, in their stable order:
    /// the crisis workflows name them, and they keep their kinds and names built in.
    public static let reference: [OrganisationCode] = [.national, .nctv, .police] + safetyRegions

    /// Every organisation of this process's network (the installed registry; the 28 of
    /// ``reference`` until a network.json with partners is installed), in the stable order.
    public static var all: [OrganisationCode] { OrganisationRegistry.installed.codes }

    /// Parses a well-formed code (`^[A-Z][A-Z0-9-]{1,23}$`); nil otherwise. Whether the code
    /// names an organisation of the network is ``inNetwork(_:)``'s question.
    public init?(_ text: String) {
        guard Self.isWellFormed(text) else { return nil }
        self.init(unchecked: text)
    }

    /// Parses a code that names an organisation of the installed network, now or before (a
    /// removed partner's reports stay in the picture and must keep reading); nil otherwise:
    /// where a user's or a peer's text must name a member, not merely look like a code.
    public static func inNetwork(_ text: String) -> OrganisationCode? {
        guard let code = OrganisationCode(text) else { return nil }
        // The 28 are in every network: the decoders' common case takes no lock.
        return code.isReference || OrganisationRegistry.isKnown(code) ? code : nil
    }

    init(unchecked: String) {
        rawValue = unchecked
        rank = Self.referenceRank[unchecked] ?? Self.otherRank
    }

    private static let referenceRank: [String: Int] = Dictionary(
        uniqueKeysWithValues: (["NATIONAL", "NCTV", "POLICE"]
            + (1...25).map { $0 < 10 ? "VR0\($0)" : "VR\($0)" })
            .enumerated().map { ($1, $0) })

    /// Whether `text` has the shape of a code: an upper-case letter, then upper-case letters,
    /// digits or hyphens, ``minimumLength``…``maximumLength`` characters in all.
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (minimumLength...maximumLength).contains(bytes.count), let first = bytes.first,
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first)
        else { return false }
        return bytes.dropFirst().allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
    }

    /// Whether this is one of the 28 reference organisations.
    public var isReference: Bool { rank != Self.otherRank }

    /// The kind: built in for the 28, from the installed registry for every other code
    /// (``OrganisationKind/other`` when the registry does not know it).
    public var kind: OrganisationKind {
        if let builtIn = builtInKind { return builtIn }
        return OrganisationRegistry.installedKind(of: self) ?? .other
    }

    /// The kind of one of the 28; nil for any other code.
    public var builtInKind: OrganisationKind? {
        switch rank {
        case 0: .national
        case 1: .nctv
        case 2: .police
        case Self.otherRank: nil
        default: .safetyRegion
        }
    }

    /// One of the 25 safety regions VR01…VR25 (the map's regions, with reference data).
    public var isSafetyRegion: Bool { rank >= 3 && rank != Self.otherRank }

    public var description: String { rawValue }

    public static func < (lhs: OrganisationCode, rhs: OrganisationCode) -> Bool {
        lhs.rank != rhs.rank ? lhs.rank < rhs.rank : lhs.rawValue < rhs.rawValue
    }

    public static func == (lhs: OrganisationCode, rhs: OrganisationCode) -> Bool {
        lhs.rawValue == rhs.rawValue
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
