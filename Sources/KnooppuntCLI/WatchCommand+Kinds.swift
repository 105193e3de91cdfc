import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

/// Partners by kind in `watch`: a partner's reports name its kind, its liveness has a line per
/// kind, and `--kind` keeps only the reports of origins of those kinds.
extension WatchCommand {
    /// The kind of an origin as the network describes it (a removed partner's too), else the
    /// built-in kind of one of the 28, else ``OrganisationKind/other``.
    static func kind(of code: OrganisationCode, _ registry: OrganisationRegistry) -> OrganisationKind {
        registry.organisation(code)?.kind ?? code.builtInKind ?? .other
    }

    /// "RWS (infrastructure)" for a partner; one of the 28 by its code alone, as before.
    static func label(_ code: OrganisationCode, _ registry: OrganisationRegistry) -> String {
        code.isReference ? code.rawValue : "\(code) (\(kind(of: code, registry)))"
    }

    /// The summary with only what origins of ``kinds`` wrote: their sitreps, the incidents
    /// they wrote anything on (opening, GRIP or sitrep) and their threat levels. All of it
    /// without --kind.
    func only(
        _ summary: PictureSummary, picture: Picture, _ registry: OrganisationRegistry
    ) -> PictureSummary {
        guard !kinds.isEmpty else { return summary }
        var incidents = Set<String>()
        var sequences = Set<SequenceNumber>()
        for entry in picture.entries.values {
            let envelope = entry.report.envelope
            guard kinds.contains(Self.kind(of: envelope.origin, registry)) else { continue }
            sequences.insert(entry.sequence)
            if let incident = envelope.incident {
                incidents.insert((envelope.exercise ? "exercise/" : "") + incident.rawValue)
            }
        }
        var filtered = summary
        filtered.incidents = summary.incidents.compactMap { incident in
            guard incidents.contains((incident.exercise ? "exercise/" : "") + incident.id) else { return nil }
            var kept = incident
            kept.sitreps = incident.sitreps.filter { sequences.contains($0.sequence) }
            return kept
        }
        filtered.threats = summary.threats.filter { sequences.contains($0.sequence) }
        return filtered
    }

    /// The partners' liveness after the 28's grid: one line per kind, in kind order.
    static func partnerLines(
        _ parties: [String: NodeStatus.Party], _ registry: OrganisationRegistry
    ) -> [String] {
        var lines: [String] = []
        for (kind, members) in registry.byKind where !OrganisationKind.referenceOnly.contains(kind) {
            let cells = members.compactMap { member -> String? in
                guard let party = parties[member.code.rawValue] else { return nil }
                let alive = party.lastHeardMsAgo.map { $0 < upWithinMs } ?? false
                let lag = party.lag.map { $0 > 0 ? " lag \($0)" : "" } ?? ""
                return "\(member.code) \(member.name) \(alive ? "up" : "DOWN")\(lag)"
            }
            if !cells.isEmpty { lines.append("  \(kind): " + cells.joined(separator: ", ")) }
        }
        return lines
    }

    /// A party counts as up in `watch` when heard within this many ms (the 28's grid uses the same).
    static let upWithinMs: Int64 = 5_000
}
