import KnooppuntDomain
import KnooppuntProtocol

/// The node's check of a report's audiences: every kind and group a section is classified for
/// must be one the network knows (E221 unknownAudience). The decoders check only the shape, so
/// that a receiver whose network.json lags behind the node's still reads what it is sent; the
/// node, which holds the network in force, refuses a name nobody could ever read under.
public enum AudienceCheck {
    /// Nil when every audience of `envelope` is known to `registry`; otherwise the refusal.
    public static func problem(_ envelope: Envelope, registry: OrganisationRegistry) -> Problem? {
        for section in envelope.sections {
            guard case .audience(let audience) = section.classification,
                let unknown = audience.unknownName(in: registry)
            else { continue }
            return Problem(
                .unknownAudience, field: "\(section.name).classification",
                "the network has no \(unknown): name a kind or group of network.json (knooppunt org list)")
        }
        return nil
    }
}
