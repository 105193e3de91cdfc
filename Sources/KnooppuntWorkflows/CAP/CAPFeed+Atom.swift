import KnooppuntDomain

extension CAPFeed {
    public static let atomNamespace = "http://www.w3.org/2005/Atom"
    public static let atomType = "application/atom+xml"
    public static let capType = "application/cap+xml"

    /// `urn:knooppunt:cap:feed`, or `…:exercise-feed`: the same whatever host serves it.
    public var id: String { exercise ? "urn:knooppunt:cap:exercise-feed" : "urn:knooppunt:cap:feed" }

    /// Where the alert `identifier` is served below `base` (`http://host:port`, no final slash).
    public func alertLink(_ identifier: String, base: String) -> String {
        "\(base)/cap/\(identifier).xml" + (exercise ? "?exercise=1" : "")
    }

    /// The feed as an Atom 1.0 document (RFC 4287), in the style of the public alert feeds
    /// (Google Public Alerts, IPAWS): per alert an `<entry>` with a stable `<id>`, its
    /// `<updated>` (when the report was committed), the headline as `<title>`, a
    /// `rel="alternate"` link to the CAP document and the alert itself inline as
    /// `<content type="application/cap+xml">`. The feed's `<updated>` is the newest entry's;
    /// an empty feed says 1970-01-01 (nothing to announce).
    ///
    /// - Parameter base: the served address, `http://host:port` without a final slash.
    public func atom(base: String) -> String {
        var out = XMLOut()
        out.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        out.open("feed xmlns=\"\(Self.atomNamespace)\"", close: "feed") { out in
            out.element("id", id)
            out.element(
                "title",
                exercise
                    ? "OEFENING: Knooppunt publieke waarschuwingen (CAP 1.2)"
                    : "Knooppunt publieke waarschuwingen (CAP 1.2)")
            out.element(
                "subtitle",
                "Handelingsperspectief voor het publiek uit het landelijk beeld, als CAP 1.2-berichten.")
            out.element("updated", (updated ?? Timestamp(millisecondsSinceEpoch: 0)).rfc3339Seconds)
            out.open("author", close: "author") { $0.element("name", "Knooppunt") }
            out.element("generator", "Knooppunt")
            let selfLink = "\(base)/cap/feed.atom" + (exercise ? "?exercise=1" : "")
            out.line(
                "<link rel=\"self\" type=\"\(Self.atomType)\" href=\"\(Self.attribute(selfLink))\"/>")
            for entry in entries { write(entry, base: base, to: &out) }
        }
        return out.text
    }

    private func write(_ entry: Entry, base: String, to out: inout XMLOut) {
        let info = entry.alert.info.first
        out.open("entry", close: "entry") { out in
            out.element("id", "urn:knooppunt:cap:\(entry.identifier)")
            out.element(
                "title", (exercise ? "OEFENING: " : "") + (info?.headline ?? entry.identifier))
            out.element("updated", entry.updated.rfc3339Seconds)
            out.open("author", close: "author") { $0.element("name", info?.senderName ?? entry.alert.sender) }
            out.element("summary", info?.instruction)
            for category in info?.categories ?? [] {
                out.line("<category term=\"\(Self.attribute(category.rawValue))\"/>")
            }
            out.line(
                "<link rel=\"alternate\" type=\"\(Self.capType)\" href=\"\(Self.attribute(alertLink(entry.identifier, base: base)))\"/>"
            )
            // An XML media type: the alert goes in as its root element (RFC 4287 §4.1.3.3),
            // without its XML declaration.
            out.open("content type=\"\(Self.capType)\"", close: "content") { out in
                for line in entry.xml.split(separator: "\n").dropFirst() { out.line(String(line)) }
            }
        }
    }

    /// Text for a double-quoted attribute.
    static func attribute(_ text: String) -> String {
        XMLOut.escape(text).split(separator: "\"", omittingEmptySubsequences: false).joined(
            separator: "&quot;")
    }
}
