import KnooppuntDomain
import StrictJSON

/// Small helpers for the workflows' JSON: times in Europe/Amsterdam, optional fields left out.
enum JSONFields {
    /// `2026-03-16T11:20:00+01:00` from ms since 1970.
    static func time(_ milliseconds: Int64) -> JSONValue {
        .string(Timestamp(millisecondsSinceEpoch: milliseconds).inAmsterdam.rfc3339Seconds)
    }

    static func seconds(_ milliseconds: Int64) -> JSONValue { .integer(milliseconds / 1000) }

    static func strings(_ values: some Sequence<OrganisationCode>) -> JSONValue {
        .array(values.map { .string($0.rawValue) })
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Sets `key` when `value` is present.
    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { self[key] = value }
    }
}

/// `1h05m`, `12m30s`, `45s`: a duration for people.
public func durationText(milliseconds: Int64) -> String {
    let total = max(0, milliseconds / 1000)
    let hours = total / 3600
    let minutes = total / 60 % 60
    let seconds = total % 60
    if hours > 0 { return "\(hours)h\(minutes < 10 ? "0" : "")\(minutes)m" }
    if minutes > 0 {
        return seconds == 0 ? "\(minutes)m" : "\(minutes)m\(seconds < 10 ? "0" : "")\(seconds)s"
    }
    return "\(seconds)s"
}
