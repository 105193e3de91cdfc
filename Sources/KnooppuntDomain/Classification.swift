/// Who may read a section of a report (need-to-know). Defined once, here.
///
/// Every party receives every global sequence number; a section its organisation may not read
/// reaches it only as a salted digest. The node enforces this when it builds each
/// organisation's view; receivers never filter for themselves.
public enum Classification: Hashable, Sendable, CustomStringConvertible {
    /// Anyone, including the unauthenticated read-only CHP picture endpoint.
    case publicInformation
    /// Every organisation of the network (the crisis partners), not the public.
    case partners
    /// The police only.
    case policeOnly
    /// The national level: the national node/desk and NCTV.
    case national
    /// Only the organisations named.
    case parties(OrganisationSet)

    /// The organisations that may read a section so classified.
    public var readers: OrganisationSet {
        switch self {
        case .publicInformation, .partners: .everyone
        case .policeOnly: OrganisationSet([.police])
        case .national: OrganisationSet([.national, .nctv])
        case .parties(let set): set
        }
    }

    /// Whether `viewer` may read it. A nil viewer is the public (CHP endpoint).
    public func allows(_ viewer: OrganisationCode?) -> Bool {
        guard let viewer else { return self == .publicInformation }
        return readers.contains(viewer)
    }

    /// The name used in documents and on the wire.
    public var name: String {
        switch self {
        case .publicInformation: "public"
        case .partners: "partners"
        case .policeOnly: "police"
        case .national: "national"
        case .parties: "parties"
        }
    }

    public var description: String {
        if case .parties(let set) = self { return "parties(\(set.map(\.rawValue).joined(separator: ",")))" }
        return name
    }
}

/// A view of the picture: what one organisation (or the public) may read.
///
/// Each organisation is its own audience: named-party sections make views differ per
/// organisation, so the node delivers every organisation its own projection.
public enum View: Hashable, Sendable, CustomStringConvertible {
    case organisation(OrganisationCode)
    case publicView

    public var viewer: OrganisationCode? {
        if case .organisation(let code) = self { return code }
        return nil
    }

    public func allows(_ classification: Classification) -> Bool { classification.allows(viewer) }

    public var description: String { viewer?.rawValue ?? "public" }
}
