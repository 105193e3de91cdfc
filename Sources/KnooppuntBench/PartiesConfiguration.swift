import KnooppuntDomain

/// What `knooppunt bench parties` runs: how many parties, at what rate, for how long, behind
/// links of what round trip.
public struct PartiesConfiguration: Sendable {
    /// Partner organisations that follow the node, each a direct KNP/1 subscriber with its own key.
    public var parties: Int
    /// Reports per second the regions publish.
    public var rate: Int
    /// Seconds of publishing.
    public var seconds: Double
    /// Round trip of each party's link in ms, spread over the range (nil: straight to the node).
    public var delay: ClosedRange<Int>?

    /// Most parties a run may have (what the node's status and network.json are sized for here).
    public static let maximumParties = 5_000
    /// Most reports per second a run may ask for.
    public static let maximumRate = 5_000
    /// Regions that publish, in turn (each its own connection, like a region's daemon).
    public static let publishers = 5
    /// One report in this many also carries a section only a group may read.
    public static let groupEvery = 5
    /// The group those sections are for: the partners of kind infrastructure.
    public static let group = "vital-infrastructure"
    /// The kinds partners are spread over, in turn.
    public static let kinds = [
        "ministry", "infrastructure", "waterBoard", "health", "defence", "justice", "municipality",
    ]

    public init(parties: Int, rate: Int = 100, seconds: Double = 10, delay: ClosedRange<Int>? = nil) {
        self.parties = parties
        self.rate = rate
        self.seconds = seconds
        self.delay = delay
    }

    /// The code of partner number `index` (0-based): its kind's first letters and a number,
    /// e.g. `INF-0002`.
    public static func partyCode(_ index: Int) -> OrganisationCode {
        let kind = kinds[index % kinds.count]
        let prefix = String(kind.prefix(3)).uppercased()
        let number = String(index)
        return OrganisationCode(
            "\(prefix)-\(String(repeating: "0", count: max(0, 4 - number.count)))\(number)")!
    }

    /// The kind of partner number `index`.
    public static func partyKind(_ index: Int) -> OrganisationKind {
        OrganisationKind(rawValue: kinds[index % kinds.count])!
    }
}
