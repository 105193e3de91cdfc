/// The area a threat level applies to.
public enum ThreatArea: Sendable, Hashable, CustomStringConvertible {
    case national
    case province(ProvinceCode)
    case region(OrganisationCode)

    /// The picture key part: "national", "PV26", "VR09".
    public var code: String {
        switch self {
        case .national: "national"
        case .province(let code): code.rawValue
        case .region(let code): code.rawValue
        }
    }

    /// The safety regions the area covers.
    public func regions(in reference: ReferenceData) -> [OrganisationCode] {
        switch self {
        case .national: OrganisationCode.safetyRegions
        case .province(let code): reference.regions(in: code)
        case .region(let code): [code]
        }
    }

    public var description: String { code }
}

/// Where a threat-level change stands. Levels 1–4 are announced; level 5 follows the step
/// plan: propose → consult → declare → deliver → action advice → review → lower.
public enum ThreatStep: String, Sendable, Hashable, CaseIterable {
    case announced, proposed, consulting, declared, delivered, adviceIssued, review, lowered
}

/// A threat level (dreigingsniveau) for an area, as NCTV sets it.
public struct ThreatLevelChange: Sendable, Hashable {
    public var area: ThreatArea
    /// 1 Minimaal … 5 Kritiek.
    public var level: Int
    public var step: ThreatStep
    public var reason: String
    /// Handelingsperspectief for the public, once issued.
    public var actionAdvice: String?
    public var reviewAt: Timestamp?
    public var classification: Classification

    public init(
        area: ThreatArea, level: Int, step: ThreatStep, reason: String, actionAdvice: String? = nil,
        reviewAt: Timestamp? = nil, classification: Classification
    ) {
        self.area = area
        self.level = level
        self.step = step
        self.reason = reason
        self.actionAdvice = actionAdvice
        self.reviewAt = reviewAt
        self.classification = classification
    }
}
