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
    /// The public alerts among `records` (the picture's entries and any earlier reports the
    /// caller holds, in any order), of the real picture or, with `exercise`, of the exercise
    /// picture only:
    /// - per sitrep key (incident and origin) the latest sitrep with crisis communication,
    ///   when that communication is public: a later sitrep without `communicatie` leaves the
    ///   advice standing (as `export cap --incident` reads it), a later non-public one ends it;
    ///   nothing for an incident whose latest incident report closes it;
    /// - per threat area the latest threat level, when it carries action advice and is public.
    ///
    /// Pure. Only public content reaches the feed: a report whose advice is classified
    /// anything but public gives no entry, and the incident's title and GRIP level appear only
    /// when they are public too (``alert(from:context:msgType:references:)``). A report that
    /// cannot be read in full is left out rather than failing the whole feed.
    public func feed(_ records: [Update], exercise: Bool) -> CAPFeed {
        var latest: [String: Update] = [:]
        for update in records where update.report.envelope.exercise == exercise {
            let envelope = update.report.envelope
            if envelope.type == .sitrep && !envelope.sections.contains(where: { $0.name == "communicatie" }) {
                continue
            }
            if let known = latest[envelope.key], known.sequence >= update.sequence { continue }
            latest[envelope.key] = update
        }
        let current = Array(latest.values)
        let closed = closedIncidents(current)
        let entries = current.compactMap { update -> CAPFeed.Entry? in
            let envelope = update.report.envelope
            guard Self.carriesPublicAdvice(envelope), !(envelope.incident.map(closed.contains) ?? false)
            else {
                return nil
            }
            let context = current.filter { candidate in
                let other = candidate.report.envelope
                return (other.type == .incident || other.type == .grip) && other.incident != nil
                    && other.incident == envelope.incident
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

    /// Incidents whose latest incident report closes them: their advice is no longer current.
    /// Read whatever the incident report's classification, since it only takes entries away.
    private func closedIncidents(_ current: [Update]) -> Set<IncidentID> {
        var closed: Set<IncidentID> = []
        for update in current where update.report.envelope.type == .incident {
            if case .incident(let incident)? = try? update.report.document(codec: codec).body,
                incident.status == .closed
            {
                closed.insert(incident.id)
            }
        }
        return closed
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
