import KnooppuntDomain

/// Escaping for the text a page puts into HTML (`PageTemplate`, the situation report).
enum HTML {
    /// Escapes text for HTML element content and double-quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Times as people in the Netherlands read them: Europe/Amsterdam, with the offset shown.
enum AmsterdamTime {
    /// RFC 3339 in Europe/Amsterdam time, whole seconds (`2025-06-11T10:42:05+02:00`).
    static func text(_ millisecondsSinceEpoch: Int64) -> String {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch).inAmsterdam.rfc3339Seconds
    }

    /// An RFC 3339 text with any offset, rewritten in Europe/Amsterdam time (nil if unreadable).
    static func text(rfc3339: String?) -> String? {
        guard let rfc3339, let timestamp = Timestamp(rfc3339: rfc3339) else { return nil }
        return timestamp.inAmsterdam.rfc3339Seconds
    }

    static func milliseconds(rfc3339: String?) -> Int64? {
        rfc3339.flatMap(Timestamp.init(rfc3339:))?.millisecondsSinceEpoch
    }
}
