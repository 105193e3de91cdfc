import Synchronization

/// The reports an operator screen has seen in its picture, kept a while after they leave it
/// (an incident's opening report once the incident is closed, a sitrep once replaced), so an
/// acknowledgement request about one is still titled by what it was about, never by its id.
/// The desk needs none: it keeps the earlier reports it fetched for its timelines.
final class SubjectMemory: Sendable {
    /// The most reports kept; the oldest seen go first.
    static let limit = 4096

    private struct State {
        var entries: [String: DigestEntry] = [:]
        var order: [String] = []
    }
    private let state = Mutex(State())

    /// Remembers `entries` (the picture as it is now) and returns the remembered reports
    /// that are no longer in it.
    func remember(_ entries: [DigestEntry]) -> [DigestEntry] {
        let current = Set(entries.map(\.id))
        return state.withLock { state in
            for entry in entries where entry.type != "ack" && state.entries[entry.id] == nil {
                state.entries[entry.id] = entry
                state.order.append(entry.id)
            }
            if state.order.count > Self.limit {
                let gone = state.order.prefix(state.order.count - Self.limit)
                for id in gone { state.entries.removeValue(forKey: id) }
                state.order.removeFirst(gone.count)
            }
            return state.entries.values.filter { !current.contains($0.id) }
        }
    }
}
