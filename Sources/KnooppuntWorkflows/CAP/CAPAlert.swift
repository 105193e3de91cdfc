import KnooppuntDomain

/// A Common Alerting Protocol 1.2 alert (OASIS, `urn:oasis:names:tc:emergency:cap:1.2`), as
/// far as Knooppunt fills it in. ``xml`` writes the elements in the order the schema's
/// sequences demand (`config/cap/cap12.xsd`).
public struct CAPAlert: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case actual = "Actual", exercise = "Exercise" }
    public enum MessageType: String, Sendable, Hashable {
        case alert = "Alert", update = "Update", cancel = "Cancel"
    }
    public enum Scope: String, Sendable, Hashable { case publicScope = "Public", restricted = "Restricted" }

    /// An earlier alert, written `sender,identifier,sent` in `<references>`.
    public struct Reference: Sendable, Hashable, CustomStringConvertible {
        public let sender: String
        public let identifier: String
        public let sent: String

        public init(sender: String, identifier: String, sent: String) {
            self.sender = sender
            self.identifier = identifier
            self.sent = sent
        }

        /// Reads `sender,identifier,sent`; nil unless there are exactly three non-empty parts
        /// without spaces and `sent` is a CAP time (explicit offset, no fraction).
        public init?(text: String) {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts.allSatisfy(CAPAlert.isToken), CAPAlert.isCAPTime(parts[2]) else {
                return nil
            }
            self.init(sender: parts[0], identifier: parts[1], sent: parts[2])
        }

        public var description: String { "\(sender),\(identifier),\(sent)" }
    }

    public struct Parameter: Sendable, Hashable {
        public let name: String
        public let value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A circle: centre and radius in kilometres (CAP writes `lat,lon radius`).
    public struct Circle: Sendable, Hashable {
        public let centre: GeoPoint
        public let radiusKilometres: Double
        public init(centre: GeoPoint, radiusKilometres: Double) {
            self.centre = centre
            self.radiusKilometres = radiusKilometres
        }
    }

    public struct Area: Sendable, Hashable {
        public var description: String
        /// Closed rings (first point equals last, at least four points).
        public var polygons: [[GeoPoint]]
        public var circles: [Circle]
        public var geocodes: [Parameter]

        public init(
            description: String, polygons: [[GeoPoint]] = [], circles: [Circle] = [],
            geocodes: [Parameter] = []
        ) {
            self.description = description
            self.polygons = polygons
            self.circles = circles
            self.geocodes = geocodes
        }
    }

    public struct Info: Sendable, Hashable {
        public var language = "nl-NL"
        public var categories: [Category]
        public var event: String
        public var responseTypes: [ResponseType]
        public var urgency: Urgency
        public var severity: Severity
        public var certainty: Certainty
        public var expires: Timestamp?
        public var senderName: String
        public var headline: String
        public var description: String
        public var instruction: String?
        public var parameters: [Parameter]
        public var areas: [Area]

        public init(
            categories: [Category], event: String, responseTypes: [ResponseType], urgency: Urgency,
            severity: Severity, certainty: Certainty, expires: Timestamp? = nil, senderName: String,
            headline: String,
            description: String, instruction: String?, parameters: [Parameter], areas: [Area]
        ) {
            self.categories = categories
            self.event = event
            self.responseTypes = responseTypes
            self.urgency = urgency
            self.severity = severity
            self.certainty = certainty
            self.expires = expires
            self.senderName = senderName
            self.headline = headline
            self.description = description
            self.instruction = instruction
            self.parameters = parameters
            self.areas = areas
        }
    }

    public var identifier: String
    public var sender: String
    /// Written with its offset and without fractions (the schema refuses `Z` and fractions).
    public var sent: Timestamp
    public var status: Status
    public var msgType: MessageType
    public var source: String?
    public var scope: Scope
    /// Required by CAP when the scope is Restricted: who may receive it.
    public var restriction: String?
    public var note: String?
    public var references: [Reference]
    public var incidents: [String]
    public var info: [Info]

    /// This alert as an earlier alert named in another one's `<references>`.
    public var reference: Reference {
        Reference(sender: sender, identifier: identifier, sent: sent.rfc3339Seconds)
    }

    // MARK: Text rules

    /// CAP identifiers, senders and references: no spaces, commas, `<` or `&`.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && !text.contains { $0 == " " || $0 == "," || $0 == "<" || $0 == "&" || $0.isNewline }
    }

    /// `YYYY-MM-DDThh:mm:ss±hh:mm`, the only form the schema's `sent` pattern accepts.
    static func isCAPTime(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 25, Timestamp(rfc3339: text) != nil else { return false }
        return b[19] == UInt8(ascii: "+") || b[19] == UInt8(ascii: "-")
    }
}
