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
    /// Every organisation of some kinds or groups, as the network is when a view is built
    /// (an organisation added later of such a kind reads it too).
    case audience(Audience)

    /// The organisations of the installed network that may read a section so classified.
    public var readers: OrganisationSet { readers(in: .installed) }

    /// The organisations of `registry`'s network that may read a section so classified.
    public func readers(in registry: OrganisationRegistry) -> OrganisationSet {
        switch self {
        case .publicInformation, .partners: registry.everyone
        case .policeOnly: Self.policeReaders
        case .national: Self.nationalReaders
        case .parties(let set): set
        case .audience(let audience):
            OrganisationSet(registry.organisations.filter(audience.includes).map(\.code))
        }
    }

    /// The classification with an audience resolved to the organisations `registry` has now
    /// (the others unchanged): what a caller asking many views about one report resolves once.
    public func resolved(in registry: OrganisationRegistry) -> Classification {
        if case .audience = self { return .parties(readers(in: registry)) }
        return self
    }

    private static let policeReaders = OrganisationSet([.police])
    private static let nationalReaders = OrganisationSet([.national, .nctv])

    /// Whether `viewer` may read it. A nil viewer is the public (CHP endpoint); any other
    /// viewer is an organisation of the network (only they have views), so `partners` needs
    /// no list of the network. An audience asks the installed registry for the viewer's kind
    /// and groups (one look-up under its lock); the fixed classifications need no registry.
    public func allows(_ viewer: OrganisationCode?) -> Bool {
        guard let viewer else { return self == .publicInformation }
        if case .audience(let audience) = self {
            return OrganisationRegistry.installedOrganisation(viewer).map(audience.includes) ?? false
        }
        return allows(viewer, in: .reference)
    }

    /// Whether `viewer` may read it, with an audience resolved against `registry`.
    public func allows(_ viewer: OrganisationCode?, in registry: OrganisationRegistry) -> Bool {
        guard let viewer else { return self == .publicInformation }
        switch self {
        case .publicInformation, .partners: return true
        case .policeOnly: return viewer == .police
        case .national: return viewer == .national || viewer == .nctv
        case .parties(let set): return set.contains(viewer)
        case .audience(let audience): return registry.organisation(viewer).map(audience.includes) ?? false
        }
    }

    /// The name used in documents and on the wire.
    public var name: String {
        switch self {
        case .publicInformation: "public"
        case .partners: "partners"
        case .policeOnly: "police"
        case .national: "national"
        case .parties: "parties"
        case .audience: "audience"
        }
    }

    public var description: String {
        switch self {
        case .parties(let set): "parties(\(set.map(\.rawValue).joined(separator: ",")))"
        case .audience(let audience): audience.description
        default: name
        }
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

    public func allows(_ classification: Classification, in registry: OrganisationRegistry) -> Bool {
        classification.allows(viewer, in: registry)
    }

    public var description: String { viewer?.rawValue ?? "public" }
}
