/// The GRIP level of an incident (Gecoördineerde Regionale Incidentbestrijdings Procedure):
/// how far multidisciplinary coordination has scaled up.
///
/// The codes are a versioned code list: documents name the list they use (``codeList``), and
/// an unknown list or code is refused rather than guessed.
public enum GRIPLevel: String, Sendable, Hashable, CaseIterable, Comparable {
    case grip0 = "0"
    case grip1 = "1"
    case grip2 = "2"
    case grip3 = "3"
    case grip4 = "4"
    case grip5 = "5"
    /// National coordination; decided nationally, never advised automatically.
    case rijk = "RIJK"

    /// The code list version this build knows.
    public static let codeList = "grip-2013"

    public var rank: Int { GRIPLevel.allCases.firstIndex(of: self)! }

    public static func < (a: GRIPLevel, b: GRIPLevel) -> Bool { a.rank < b.rank }

    /// "GRIP 3", "GRIP Rijk".
    public var label: String { self == .rijk ? "GRIP Rijk" : "GRIP \(rawValue)" }
}

/// A change of an incident's GRIP level: who decided, when, why.
public struct GRIPChange: Sendable, Hashable {
    public var incident: IncidentID
    public var level: GRIPLevel
    public var codeList: String
    public var reason: String
    public var decidedAt: Timestamp
    public var classification: Classification

    public init(
        incident: IncidentID, level: GRIPLevel, codeList: String = GRIPLevel.codeList, reason: String,
        decidedAt: Timestamp, classification: Classification
    ) {
        self.incident = incident
        self.level = level
        self.codeList = codeList
        self.reason = reason
        self.decidedAt = decidedAt
        self.classification = classification
    }
}
