import KnooppuntDomain
import KnooppuntProtocol

/// The public alerts of a picture, as public alerting systems poll them: one CAP 1.2 alert
/// per current report that carries public action advice, newest first. ``atom(base:)`` writes
/// it as an Atom feed (docs/workflows.md, "A public CAP feed").
///
/// Built by ``CAPExport/feed(_:exercise:)`` from the picture's entries; an entry's identifier
/// is the CAP identifier `export cap` gives the same report, so a poller sees a new entry
/// exactly when a new report replaces the advice.
public struct CAPFeed: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public let alert: CAPAlert
        /// The alert as its own document (`/cap/ID.xml`).
        public let xml: String

        public init(alert: CAPAlert) {
            self.alert = alert
            xml = alert.xml
        }

        public var identifier: String { alert.identifier }
        /// When the node committed the report the alert comes from.
        public var updated: Timestamp { alert.sent }
    }

    /// Whether this is the exercise feed: only exercise alerts (CAP status Exercise).
    public let exercise: Bool
    /// Newest first.
    public let entries: [Entry]

    public init(exercise: Bool, entries: [Entry]) {
        self.exercise = exercise
        self.entries = entries.sorted {
            $0.updated.millisecondsSinceEpoch != $1.updated.millisecondsSinceEpoch
                ? $0.updated.millisecondsSinceEpoch > $1.updated.millisecondsSinceEpoch
                : $0.identifier < $1.identifier
        }
    }

    /// The newest entry's time; nil for an empty feed.
    public var updated: Timestamp? { entries.first?.updated }

    public func entry(identifier: String) -> Entry? { entries.first { $0.identifier == identifier } }
}

extension CAPExport {
    /// The public alerts among `records` (the picture's entries; any order, and a record
    /// replaced by a later one of the same key is ignored): every sitrep whose crisis
    /// communication is public, and every threat level with action advice classified public,
    /// of the real picture or, with `exercise`, of the exercise picture only.
    ///
    /// Pure. Only public content reaches the feed: a report whose advice is classified
    /// anything but public gives no entry, and the incident's title and GRIP level appear only
    /// when they are public too (``alert(from:context:msgType:references:)``). A report that
    /// cannot be read in full is left out rather than failing the whole feed.
    public func feed(_ records: [Update], exercise: Bool) -> CAPFeed {
        var latest: [String: Update] = [:]
        for update in records where update.report.envelope.exercise == exercise {
            let key = update.report.envelope.key
            if let known = latest[key], known.sequence >= update.sequence { continue }
            latest[key] = update
        }
        let current = Array(latest.values)
        let entries = current.compactMap { update -> CAPFeed.Entry? in
            guard Self.carriesPublicAdvice(update.report.envelope) else { return nil }
            let context = current.filter { candidate in
                let envelope = candidate.report.envelope
                return (envelope.type == .incident || envelope.type == .grip)
                    && envelope.incident != nil && envelope.incident == update.report.envelope.incident
            }
            // The scope is asked again although the envelope said public: the alert's own
            // judgement of its audience is the one `export cap` writes into it.
            guard let alert = try? alert(from: update, context: context), alert.scope == .publicScope else {
                return nil
            }
            return CAPFeed.Entry(alert: alert)
        }
        return CAPFeed(exercise: exercise, entries: entries)
    }

    /// Whether the sections an alert is made from are all public, read from the envelope
    /// before anything is decoded: a sitrep's `communicatie`, every section of a threat level.
    static func carriesPublicAdvice(_ envelope: Envelope) -> Bool {
        switch envelope.type {
        case .sitrep:
            return envelope.sections.contains {
                $0.name == "communicatie" && $0.classification == .publicInformation
            }
        case .threat:
            return !envelope.sections.isEmpty
                && envelope.sections.allSatisfy { $0.classification == .publicInformation }
        default:
            return false
        }
    }
}
