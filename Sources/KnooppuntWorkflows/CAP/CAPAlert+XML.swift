import KnooppuntDomain

extension CAPAlert {
    public static let namespace = "urn:oasis:names:tc:emergency:cap:1.2"

    /// The alert as a CAP 1.2 XML document (UTF-8, two-space indentation, final newline).
    public var xml: String {
        var out = XMLOut()
        out.line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        out.open("alert xmlns=\"\(Self.namespace)\"", close: "alert") { out in
            out.element("identifier", identifier)
            out.element("sender", sender)
            out.element("sent", sent.rfc3339Seconds)
            out.element("status", status.rawValue)
            out.element("msgType", msgType.rawValue)
            out.element("source", source)
            out.element("scope", scope.rawValue)
            out.element("restriction", restriction)
            out.element("note", note)
            out.element(
                "references", references.isEmpty ? nil : references.map(\.description).joined(separator: " "))
            out.element("incidents", incidents.isEmpty ? nil : incidents.joined(separator: " "))
            for item in self.info { item.write(to: &out) }
        }
        return out.text
    }
}

extension CAPAlert.Info {
    fileprivate func write(to out: inout XMLOut) {
        out.open("info", close: "info") { out in
            out.element("language", language)
            for category in categories { out.element("category", category.rawValue) }
            out.element("event", event)
            for response in responseTypes { out.element("responseType", response.rawValue) }
            out.element("urgency", urgency.rawValue)
            out.element("severity", severity.rawValue)
            out.element("certainty", certainty.rawValue)
            out.element("expires", expires?.rfc3339Seconds)
            out.element("senderName", senderName)
            out.element("headline", headline)
            out.element("description", description)
            out.element("instruction", instruction)
            for parameter in parameters { parameter.write("parameter", to: &out) }
            for area in areas { area.write(to: &out) }
        }
    }
}

extension CAPAlert.Area {
    fileprivate func write(to out: inout XMLOut) {
        out.open("area", close: "area") { out in
            out.element("areaDesc", description)
            for ring in polygons { out.element("polygon", CAPAlert.polygonText(ring)) }
            for circle in circles { out.element("circle", CAPAlert.circleText(circle)) }
            for code in geocodes { code.write("geocode", to: &out) }
        }
    }
}

extension CAPAlert.Parameter {
    fileprivate func write(_ tag: String, to out: inout XMLOut) {
        out.open(tag, close: tag) { out in
            out.element("valueName", name)
            out.element("value", value)
        }
    }
}

extension CAPAlert {
    /// `lat,lon lat,lon …`: CAP puts latitude first, GeoJSON longitude first.
    static func polygonText(_ ring: [GeoPoint]) -> String {
        ring.map { "\(coordinate($0.latitude)),\(coordinate($0.longitude))" }.joined(separator: " ")
    }

    static func circleText(_ circle: Circle) -> String {
        "\(coordinate(circle.centre.latitude)),\(coordinate(circle.centre.longitude)) \(coordinate(circle.radiusKilometres))"
    }

    /// Shortest decimal text that reads back as the same number (no exponent for our range).
    static func coordinate(_ value: Double) -> String {
        let text = String(value)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}

/// A small XML writer: escaped text, indented elements, optional elements left out.
struct XMLOut {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ content: String) {
        text += String(repeating: "  ", count: depth) + content + "\n"
    }

    mutating func open(_ tagWithAttributes: String, close tag: String, _ body: (inout XMLOut) -> Void) {
        line("<\(tagWithAttributes)>")
        depth += 1
        body(&self)
        depth -= 1
        line("</\(tag)>")
    }

    /// `<tag>value</tag>`, or nothing when the value is nil.
    mutating func element(_ tag: String, _ value: String?) {
        guard let value else { return }
        line("<\(tag)>\(Self.escape(value))</\(tag)>")
    }

    /// Escapes markup and drops characters XML 1.0 cannot carry (controls other than tab and
    /// line breaks), which a JSON document may hold as `\u0001` escapes.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
