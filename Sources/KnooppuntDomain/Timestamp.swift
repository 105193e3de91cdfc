import Foundation

/// A moment with the UTC offset it was written in, e.g. `2019-03-18T10:45:00+01:00`.
///
/// Crisis reports cross organisations and daylight-saving changes, so a time without an offset
/// is ambiguous and refused. Precision is whole milliseconds (at most 3 fractional digits).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64
    /// The offset from UTC the time was written in, in minutes (+60 for CET, +120 for CEST).
    public let offsetMinutes: Int16

    public init(millisecondsSinceEpoch: Int64, offsetMinutes: Int16 = 0) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
        self.offsetMinutes = offsetMinutes
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// Same instant, ignoring the offset it was written in.
    public func isSameInstant(as other: Timestamp) -> Bool {
        millisecondsSinceEpoch == other.millisecondsSinceEpoch
    }

    public func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds, offsetMinutes: offsetMinutes)
    }

    /// The same instant written with another offset.
    public func withOffset(minutes: Int16) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch, offsetMinutes: minutes)
    }

    // MARK: RFC 3339 text

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`; nil for anything else, including a time
    /// without an offset.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<(start + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58,
            let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
            let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 59, year >= 1970
        else { return nil }
        var index = 19
        var millis = 0
        if index < b.count, b[index] == 46 {
            index += 1
            var count = 0
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                guard count < 3 else { return nil }
                millis = millis * 10 + Int(b[index] - 48)
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<3 { millis *= 10 }
        }
        guard index < b.count else { return nil }
        var offset = 0
        if b[index] == 90 || b[index] == 122 {
            guard index + 1 == b.count else { return nil }
        } else {
            guard b[index] == 43 || b[index] == 45, index + 6 == b.count, b[index + 3] == 58,
                let oh = digits(index + 1, 2), let om = digits(index + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offset = (oh * 60 + om) * (b[index] == 45 ? -1 : 1)
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let localSeconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let utcSeconds = localSeconds - Int64(offset * 60)
        self.init(millisecondsSinceEpoch: utcSeconds * 1000 + Int64(millis), offsetMinutes: Int16(offset))
    }

    /// RFC 3339 in the timestamp's own offset; milliseconds only when non-zero.
    public var rfc3339: String { format(fractional: true) }

    /// RFC 3339 without fractional seconds (CAP 1.2 wants exactly this, with a numeric offset).
    public var rfc3339Seconds: String { format(fractional: false) }

    public var description: String { rfc3339 }

    private func format(fractional: Bool) -> String {
        let local = millisecondsSinceEpoch + Int64(offsetMinutes) * 60_000
        let millis = Int(((local % 1000) + 1000) % 1000)
        let seconds = (local - Int64(millis)) / 1000
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (year, month, day) = Self.civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        text += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if fractional && millis != 0 { text += ".\(pad(millis, 3))" }
        let offset = Int(offsetMinutes)
        text += offset < 0 ? "-" : "+"
        text += "\(pad(abs(offset) / 60, 2)):\(pad(abs(offset) % 60, 2))"
        return text
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Timestamp {
    /// Europe/Amsterdam's offset at an instant: CET (+01:00), or CEST (+02:00) from the last
    /// Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC (EU rule since 1996).
    public static func amsterdamOffsetMinutes(atMillisecondsSinceEpoch ms: Int64) -> Int16 {
        let seconds = ms / 1000
        let days = Int(seconds / 86_400)
        let year = civilFromDays(days).0
        func lastSundayUTC1(month: Int) -> Int64 {
            let lastDay = daysFromCivil(year: year, month: month, day: 31)
            // 1970-01-01 was a Thursday: weekday 0 = Sunday.
            let weekday = ((lastDay + 4) % 7 + 7) % 7
            return Int64(lastDay - weekday) * 86_400 + 3600
        }
        return (lastSundayUTC1(month: 3)..<lastSundayUTC1(month: 10)).contains(seconds) ? 120 : 60
    }

    /// The same instant in Europe/Amsterdam time.
    public var inAmsterdam: Timestamp {
        withOffset(minutes: Self.amsterdamOffsetMinutes(atMillisecondsSinceEpoch: millisecondsSinceEpoch))
    }
}

extension Timestamp {
    /// The wall clock, read in this one place (UTC; `.inAmsterdam` for people). Code that
    /// decides takes the time as input instead, so tests and simulations can set it.
    public static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Milliseconds since 1970 on the wall clock, for stores and wire fields that keep them so.
    public static func nowMilliseconds() -> Int64 { now().millisecondsSinceEpoch }
}
