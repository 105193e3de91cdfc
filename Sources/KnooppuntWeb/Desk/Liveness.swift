import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The liveness board: every daemon, when the node last heard it, what it applied, its
/// backlog and lag. It comes from the node's control socket (the desk runs on the node's
/// host); without it the desk knows only the node's own heartbeats and says so.
enum Liveness {
    /// A daemon counts as up when heard within this many ms, late within `downAfterMs`, down
    /// after that, and absent when the node never heard it.
    static let upWithinMs: Int64 = 3_000
    static let downAfterMs: Int64 = 10_000

    static func json(
        board: NodeStatus?, link: LinkStatus, pair: JSONValue = [], now: Int64,
        reference: ReferenceData = .builtIn, registry: OrganisationRegistry = .installed
    ) -> JSONValue {
        var node = JSONObject()
        node["state"] = link.state.rawValue
        node["role"] = link.nodeRole
        node.set("epoch", link.nodeEpoch.map { Int64($0) })
        node.set("lastSequence", Int64(link.nodeLastSequence))
        node.set("lastHeardMsAgo", link.lastHeard.map { max(0, now - $0) })
        node.time("lastHeard", link.lastHeard)
        if let nodeTime = link.nodeTime, let heard = link.lastHeard {
            node.set("clockSkewMs", nodeTime - heard)
        }
        let parties = board?.parties
        var rows: [JSONValue] = []
        // The 28 first, as always; then the partners, which the page shows in a section per
        // kind (``partnerKinds``).
        for organisation in registry.organisations where organisation.code != .national {
            let code = organisation.code
            var row = JSONObject()
            row["code"] = code.rawValue
            row["name"] =
                code.isReference ? reference.regions[code]?.name ?? code.rawValue : organisation.name
            row["kind"] = organisation.kind.rawValue
            if !code.isReference { row.set("partner", true) }
            guard let party = parties?[code.rawValue] else {
                row["state"] = "unknown"
                rows.append(row.value)
                continue
            }
            let ago = party.lastHeardMsAgo
            // Never heard since the node started: not running (yet), which is not the same as
            // a daemon that went silent.
            row["state"] = ago.map { $0 < upWithinMs ? "up" : $0 < downAfterMs ? "late" : "down" } ?? "absent"
            row.set("connected", party.connected)
            row.set("lastHeardMsAgo", ago)
            row.time("lastHeardAt", party.lastHeardAt)
            row.set("applied", party.applied.map { Int64($0) })
            row.set("lag", party.lag)
            row.set("outboxBacklog", party.outboxBacklog)
            row.set("oldestQueuedMs", party.oldestQueuedMs)
            row.set("clockSkewMs", party.clockSkewMs)
            row.set("pid", party.pid)
            row["role"] = party.role
            row.set("converged", party.converged ?? false)
            rows.append(row.value)
        }
        var object = JSONObject()
        object["source"] = board == nil ? "heartbeats" : "node"
        object.set("node", node.value)
        object.set("nodes", pair)
        object.set("parties", .array(rows))
        object.set("partnerKinds", partnerKinds(registry))
        if let refusals = board?.json["refusals"] { object.set("refusals", refusals) }
        return object.value
    }

    /// The partners' kinds in ``OrganisationKind`` order, each with its codes: the sections of
    /// the board and the lists after the 28.
    static func partnerKinds(_ registry: OrganisationRegistry) -> JSONValue {
        let partners = registry.partners
        return .array(
            Set(partners.map(\.kind)).sorted().map { kind in
                [
                    "kind": .string(kind.rawValue),
                    "codes": .array(partners.filter { $0.kind == kind }.map { .string($0.code.rawValue) }),
                ]
            })
    }

    /// Per organisation, the sequence its daemon reported applied (what "delivered" means).
    static func applied(board: NodeStatus?) -> [String: UInt64] {
        Dictionary(uniqueKeysWithValues: (board?.appliedByParty ?? [:]).map { ($0.key.rawValue, $0.value) })
    }
}
