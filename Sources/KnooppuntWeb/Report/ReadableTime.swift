import KnooppuntDomain

/// Times as people read them on paper: "ma 16 mrt 10:45" (Europe/Amsterdam), the year only
/// when it is not the year of `now`; the exact RFC 3339 time travels beside it (a `<time>`
/// element's `datetime` and `title`). The desk's `K.when` writes the same form.
///
/// The day and month names are written out here, not taken from the platform's locale data,
/// so a report reads the same on every machine that prints it.
enum ReadableTime {
    static let dutchDays = ["zo", "ma", "di", "wo", "do", "vr", "za"]
    static let englishDays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let dutchMonths = [
        "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ]
    static let englishMonths = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    static let millisecondsPerDay: Int64 = 86_400_000

    /// "ma 16 mrt 10:45" (Dutch) or "Mon 16 Mar 10:45" (English) for an instant.
    static func text(_ milliseconds: Int64, _ language: ScreenLanguage, now: Int64) -> String {
        let local = Timestamp(millisecondsSinceEpoch: milliseconds).inAmsterdam
        let rfc = local.rfc3339Seconds  // YYYY-MM-DDTHH:MM:SS+hh:mm, local wall clock
        let parts = rfc.split(separator: "T")
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].prefix(5)
        let localMilliseconds = milliseconds + Int64(local.offsetMinutes) * 60_000
        let days =
            localMilliseconds >= 0
            ? localMilliseconds / millisecondsPerDay
            : (localMilliseconds - millisecondsPerDay + 1) / millisecondsPerDay
        // 1970-01-01 was a Thursday (weekday 4 when Sunday is 0).
        let weekday = Int(((days + 4) % 7 + 7) % 7)
        let dutch = language == .dutch
        let day = (dutch ? dutchDays : englishDays)[weekday]
        let month = (dutch ? dutchMonths : englishMonths)[date[1] - 1]
        let nowYear = Timestamp(millisecondsSinceEpoch: now).inAmsterdam.rfc3339Seconds.prefix(4)
        let year = String(date[0]) == nowYear ? "" : " \(date[0])"
        return "\(day) \(date[2]) \(month)\(year) \(clock)"
    }

    /// The same for an RFC 3339 text (nil when unreadable).
    static func text(rfc3339: String?, _ language: ScreenLanguage, now: Int64) -> String? {
        AmsterdamTime.milliseconds(rfc3339: rfc3339).map { text($0, language, now: now) }
    }

    /// `<time datetime="2026-03-16T10:45:00+01:00" title="…">ma 16 mrt 10:45</time>`.
    static func html(_ milliseconds: Int64, _ language: ScreenLanguage, now: Int64) -> String {
        let exact = HTML.escape(AmsterdamTime.text(milliseconds))
        return
            "<time datetime=\"\(exact)\" title=\"\(exact)\">\(HTML.escape(text(milliseconds, language, now: now)))</time>"
    }

    /// A time typed on the report's page: RFC 3339, or the `YYYY-MM-DDTHH:MM` of a
    /// `datetime-local` field, read as Europe/Amsterdam wall-clock time. Nil when unreadable.
    static func parse(_ text: String) -> Int64? {
        if let exact = AmsterdamTime.milliseconds(rfc3339: text) { return exact }
        let local = text.count == 16 ? text + ":00" : text
        guard local.count == 19 else { return nil }
        // Of the two offsets Amsterdam uses, the one that is in force at the instant it names.
        for offset in ["+01:00", "+02:00"] {
            guard let moment = Timestamp(rfc3339: local + offset) else { return nil }
            let inForce = Timestamp.amsterdamOffsetMinutes(
                atMillisecondsSinceEpoch: moment.millisecondsSinceEpoch)
            if inForce == moment.offsetMinutes { return moment.millisecondsSinceEpoch }
        }
        return Timestamp(rfc3339: local + "+01:00")?.millisecondsSinceEpoch
    }

    /// The `datetime-local` value of an instant (`2026-03-16T10:45`), for the page's control.
    static func localField(_ milliseconds: Int64) -> String {
        String(AmsterdamTime.text(milliseconds).prefix(16))
    }
}
