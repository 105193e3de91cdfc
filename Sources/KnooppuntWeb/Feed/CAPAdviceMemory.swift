import KnooppuntProtocol

/// What the desk keeps beside its picture for the public CAP feed: per sitrep key (incident
/// and origin) the latest sitrep that carried crisis communication (`communicatie`).
///
/// The picture holds only the latest sitrep per key, and a later sitrep without
/// communication leaves the advice standing (``KnooppuntWorkflows/CAPExport/feed(_:exercise:)``),
/// so the earlier one must be kept. Bounded like the picture: one report per sitrep key.
struct CAPAdviceMemory {
    private var latest: [String: Update] = [:]

    var updates: [Update] { Array(latest.values) }

    /// Keeps `update` when it is a sitrep with crisis communication newer than the one held.
    mutating func keep(_ update: Update) {
        let envelope = update.report.envelope
        guard envelope.type == .sitrep, envelope.sections.contains(where: { $0.name == "communicatie" })
        else {
            return
        }
        if let known = latest[envelope.key], known.sequence >= update.sequence { return }
        latest[envelope.key] = update
    }

    mutating func removeAll() { latest.removeAll() }
}
