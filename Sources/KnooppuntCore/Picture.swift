import Crypto
import KnooppuntDomain
import KnooppuntProtocol

/// One key of the picture: the latest committed report that wrote it.
public struct PictureEntry: Sendable, Hashable {
    public let sequence: SequenceNumber
    public let epoch: Epoch
    public let committedAt: Int64
    /// The report as this holder has it: complete at the node, projected at a mirror.
    public let report: SealedReport
    /// SHA-256 of the envelope, kept so hashes can be updated without hashing it again.
    let envelopeDigest: [UInt8]

    public init(_ update: Update) {
        sequence = update.sequence
        epoch = update.epoch
        committedAt = update.committedAt
        report = update.report
        envelopeDigest = Array(SHA256.hash(data: update.report.envelopeBytes))
    }

    public var key: String { report.envelope.key }
    public var update: Update {
        Update(sequence: sequence, epoch: epoch, committedAt: committedAt, report: report)
    }
    public var isExercise: Bool { report.envelope.exercise }

    /// The entry's contribution to a view's hash (docs/PROTOCOL.md §6).
    func entryHash(visibility: [Bool]) -> [UInt8] {
        ViewHash.entryHash(
            key: key, sequence: sequence, envelopeDigest: envelopeDigest, visibility: visibility)
    }
}

/// The shared operational picture: the latest entry per key, the last sequence applied, and
/// the hash of every view it tracks, kept current in constant time per update.
///
/// The node tracks every view (each organisation and the public); a mirror tracks its own.
/// Exercise entries are held too but never count in a view hash: an exercise cannot change
/// the real picture.
public struct Picture: Sendable {
    public private(set) var entries: [String: PictureEntry] = [:]
    public private(set) var lastSequence: SequenceNumber = 0
    public private(set) var lastEpoch: Epoch = 0
    public private(set) var views: [View]
    /// The organisations a section classified for an audience (kinds, groups) is resolved
    /// against: held here, so a report's hashes read no shared state.
    public private(set) var registry: OrganisationRegistry
    /// The hash of each view, at the view's index in `views`.
    private var hashes: [ViewHash]
    private var viewIndex: [View: Int]
    /// Per key, what its entry added to each view's hash, so replacing it costs no hashing
    /// (``account(_:add:)``). Only for entries accounted under the current `views`.
    private var accounted: [String: Accounted] = [:]

    /// An entry's contribution to every tracked view: its distinct entry hashes (views that
    /// see the same sections share one) and, per view, which of them it added.
    private struct Accounted {
        let sequence: SequenceNumber
        let entryHashes: [ViewHash]
        let perView: [UInt8]
    }

    public init(views: [View], registry: OrganisationRegistry = .installed) {
        self.views = views
        self.registry = registry
        hashes = Array(repeating: ViewHash(), count: views.count)
        viewIndex = Dictionary(uniqueKeysWithValues: views.enumerated().map { ($1, $0) })
    }

    /// Tracks these views from now on (organisations added to or removed from the network):
    /// a view kept keeps its hash; a new one gets its hash from every entry. Costs one pass
    /// over the picture per new view, on a reload of network.json, never per report.
    /// `registry` (when given) is the network from now on; a view kept whose organisation
    /// changed its kind or groups in it may see a section classified for an audience
    /// differently, so its hash is computed again from every entry too.
    public mutating func track(views updated: [View], registry: OrganisationRegistry? = nil) {
        let refreshing = registry.map { $0.changes(from: self.registry).changed.map(View.organisation) } ?? []
        if let registry { self.registry = registry }
        guard updated != views || !refreshing.isEmpty else { return }
        let added = updated.filter { viewIndex[$0] == nil || refreshing.contains($0) }
        var fresh = Dictionary(uniqueKeysWithValues: added.map { ($0, ViewHash()) })
        for entry in entries.values where !entry.isExercise {
            for view in added {
                fresh[view]!.add(
                    entry.entryHash(visibility: entry.report.visibility(for: view, in: self.registry)))
            }
        }
        hashes = updated.map { view in fresh[view] ?? viewIndex[view].map { hashes[$0] }! }
        // Indexed by the old views: an entry replaced later is hashed again instead.
        accounted = [:]
        views = updated
        viewIndex = Dictionary(uniqueKeysWithValues: updated.enumerated().map { ($1, $0) })
    }

    /// Every organisation of the installed network and the public: what the node tracks.
    public static var allViews: [View] { views(of: .installed) }

    /// Every organisation of `registry`'s network and the public.
    public static func views(of registry: OrganisationRegistry) -> [View] {
        registry.codes.map(View.organisation) + [.publicView]
    }

    public func hash(for view: View) -> ViewHash { viewIndex[view].map { hashes[$0] } ?? ViewHash() }

    public var count: Int { entries.count }

    /// Applies an update; its sequence must be above the last one applied.
    public mutating func apply(_ update: Update) {
        precondition(update.sequence > lastSequence, "picture updates apply in sequence order")
        let entry = PictureEntry(update)
        let old = entries.updateValue(entry, forKey: entry.key)
        lastSequence = update.sequence
        lastEpoch = update.epoch
        if let old, !old.isExercise { account(old, add: false) }
        if !entry.isExercise {
            account(entry, add: true)
        } else if old != nil {
            accounted[entry.key] = nil
        }
    }

    /// The entry of the accepted signal `id`, real or exercise; nil when the picture holds none.
    public func signal(_ id: ReportID) -> PictureEntry? {
        for key in ["signal/\(id)", "exercise/signal/\(id)"] {
            if let entry = entries[key], entry.report.envelope.type == .signal { return entry }
        }
        return nil
    }

    /// Drops the content of the entry at `key`, keeping its signed envelope (a signal at the
    /// end of its retention). No view hash changes: a hash covers the envelope and which
    /// sections a view may read, not whether their content is still held.
    public mutating func withholdContent(of key: String) {
        guard let entry = entries[key] else { return }
        entries[key] = PictureEntry(
            Update(
                sequence: entry.sequence, epoch: entry.epoch, committedAt: entry.committedAt,
                report: entry.report.withholdingAllSections()))
    }

    /// Replaces everything with a snapshot taken at `sequence`.
    public mutating func replace(with snapshot: [PictureEntry], sequence: SequenceNumber, epoch: Epoch) {
        entries = [:]
        accounted = [:]
        hashes = Array(repeating: ViewHash(), count: views.count)
        for entry in snapshot {
            entries[entry.key] = entry
            if !entry.isExercise { account(entry, add: true) }
        }
        lastSequence = sequence
        lastEpoch = epoch
    }

    /// Adds or removes an entry's hash in every tracked view. Views that see the same
    /// sections share one entry hash, so a report costs a few hashes, not one per view. This
    /// runs for every committed report and every view: what a view sees is a bit mask (an
    /// envelope has at most `WireLimits.maxSections` sections), and the few distinct masks are
    /// kept in a short list rather than a dictionary. What an entry added is kept
    /// (``accounted``), so the entry that replaces it at its key removes it without hashing
    /// or resolving its audiences again: at full load most reports replace one.
    private mutating func account(_ entry: PictureEntry, add: Bool) {
        if !add, let kept = accounted[entry.key], kept.sequence == entry.sequence {
            for index in views.indices { hashes[index].remove(kept.entryHashes[Int(kept.perView[index])]) }
            return
        }
        // An audience is resolved once per report, not once per view.
        let classifications = entry.report.envelope.sections.map { $0.classification.resolved(in: registry) }
        precondition(classifications.count <= UInt64.bitWidth, "an envelope has at most 16 sections")
        // Each distinct entry hash is read into limbs once, then added to every view it is for.
        var known: [(mask: UInt64, hash: ViewHash)] = []
        var perView: [UInt8] = []
        perView.reserveCapacity(views.count)
        for index in views.indices {
            var mask: UInt64 = 0
            for (bit, classification) in classifications.enumerated()
            where views[index].allows(classification) {
                mask |= 1 << UInt64(bit)
            }
            let slot: Int
            if let found = known.firstIndex(where: { $0.mask == mask }) {
                slot = found
            } else {
                slot = known.count
                known.append(
                    (
                        mask,
                        ViewHash(
                            entry: entry.entryHash(
                                visibility: classifications.indices.map { mask & (1 << UInt64($0)) != 0 }))
                    ))
            }
            perView.append(UInt8(slot))
            if add { hashes[index].add(known[slot].hash) } else { hashes[index].remove(known[slot].hash) }
        }
        // At most 2^16 masks in principle, but one per view at most: views are far under 256.
        if add, known.count <= Int(UInt8.max) {
            accounted[entry.key] = Accounted(
                sequence: entry.sequence, entryHashes: known.map(\.hash), perView: perView)
        } else if !add {
            accounted[entry.key] = nil
        }
    }

    /// The hash a fresh picture of these entries would have in `view` (for checks).
    public static func hash(
        of entries: some Sequence<PictureEntry>, view: View, registry: OrganisationRegistry = .installed
    ) -> ViewHash {
        var hash = ViewHash()
        for entry in entries where !entry.isExercise {
            hash.add(entry.entryHash(visibility: entry.report.visibility(for: view, in: registry)))
        }
        return hash
    }
}
