import KnooppuntDomain
import StrictJSON

/// The reconstruction of one incident from the node's log: every report about it in
/// sequence order, who it reached and who acknowledged it.
public struct Timeline: Sendable, Hashable {
    public var incident: IncidentID
    public var exercise: Bool
    /// Whose view the content is shown in (sections it may not read are named, not shown).
    public var view: View
    /// The organisations whose stores were read for delivery; others are unknown, not "not reached".
    public var checked: [OrganisationCode]
    public var entries: [TimelineEntry]
    /// The incident's GRIP history and time-to-GRIP-3, as the view may read them.
    public var grip: IncidentGRIPState?
}

public struct TimelineEntry: Sendable, Hashable {
    public var sequence: SequenceNumber
    public var epoch: Epoch
    /// When the node committed it, in Europe/Amsterdam time.
    public var committed: Timestamp
    /// When the origin's daemon sealed it (the origin's clock).
    public var created: Timestamp
    public var origin: OrganisationCode
    public var type: ReportType
    public var report: ReportID
    public var key: String
    public var author: String?
    /// The key fields of the visible sections, by type (see ``TimelineBuilder``).
    public var fields: [String: JSONValue]
    /// Sections the view may not read, as `name (classification)`.
    public var withheld: [String]
    /// One line for people.
    public var summary: String
    /// Checked organisations whose mirror holds the report.
    public var reached: [OrganisationCode]
    public var notReached: [OrganisationCode]
    /// Present when the report was to be acknowledged or was acknowledged.
    public var acknowledgement: AcknowledgementStatus?
}

/// Who was asked to acknowledge a report and who did.
public struct AcknowledgementStatus: Sendable, Hashable {
    public struct Given: Sendable, Hashable {
        public var organisation: OrganisationCode
        /// The person, when the view may read the acknowledgement.
        public var by: String?
        public var at: Timestamp
        public var sequence: SequenceNumber
        /// Committed after the requested deadline; nil in an exercise, whose deadlines are in
        /// scripted time while the node stamps commits with its own clock.
        public var late: Bool?
    }

    public var requestedBy: OrganisationCode?
    public var parties: [OrganisationCode]
    public var deadline: Timestamp?
    public var given: [Given]
    /// Requested parties without an acknowledgement.
    public var missing: [OrganisationCode]
}
