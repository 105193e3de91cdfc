import KnooppuntDomain
import StrictJSON

/// A printable situation report of one incident in the BOB structure (beeld, oordeel,
/// besluiten), for a crisis-team meeting, in three parts:
/// 1. the current picture: per discipline the latest beeld, then the latest oordeel,
///    besluiten, acties and crisiscommunicatie, each with who reported it and when;
/// 2. "gewijzigd sinds" a chosen time (the last crisis-team meeting): every sitrep committed
///    after it, in full;
/// 3. the history: every sitrep, oldest first.
///
/// Built from the reader's own view of the picture, so it can only show what the reader may
/// see: a section withheld from the view says so and shows nothing of its content. A pure
/// function of the incident; no I/O.
enum SituationReport {
    /// What a report shows besides the incident: the reader, the time it is made, the
    /// chosen "gewijzigd sinds" time, and whether it is for the PDF (style sheets inlined,
    /// no controls: the headless browser reads it from a file).
    struct Options {
        var reader: OrganisationCode
        var now: Int64
        var language: ScreenLanguage
        var since: Int64?
        var forPDF = false
    }

    /// The BOB parts after the beeld, in the order a crisis team reads them.
    static let partOrder = ["oordeel", "besluiten", "acties", "communicatie"]

    /// The report without a "gewijzigd sinds" time, for the page.
    static func html(
        _ incident: PictureDigest.Incident, reader: OrganisationCode, now: Int64, language: ScreenLanguage
    ) -> String {
        html(incident, Options(reader: reader, now: now, language: language))
    }

    static func html(_ incident: PictureDigest.Incident, _ options: Options) -> String {
        let language = options.language
        let t = { (key: SituationReportText) in HTML.escape(language.text(key)) }
        let when = { (ms: Int64) in ReadableTime.html(ms, language, now: options.now) }
        let started = AmsterdamTime.milliseconds(rfc3339: incident.startedAt).map(when)
        let plain: [(SituationReportText, String?)] = [
            (.incident, incident.id + (incident.title.map { " · \($0)" } ?? "")),
            (.region, incident.region?.rawValue), (.grip, incident.grip?.level), (.status, incident.status),
            (.lead, incident.lead),
        ]
        var facts = plain.compactMap { key, value in
            value.map { "<tr><th>\(t(key))</th><td>\(HTML.escape($0))</td></tr>" }
        }
        if let started { facts.append("<tr><th>\(t(.startedAt))</th><td>\(started)</td></tr>") }
        facts.append("<tr><th>\(t(.madeAt))</th><td>\(when(options.now))</td></tr>")
        facts.append("<tr><th>\(t(.reader))</th><td>\(HTML.escape(options.reader.rawValue))</td></tr>")
        let sitreps = incident.sitreps.sorted { $0.sequence < $1.sequence }
        let history =
            sitreps.isEmpty
            ? "<p>\(t(.noSitreps))</p>"
            : sitreps.map { sitrep($0, options) }.joined(separator: "\n")
        let title = "\(t(.title)) · \(HTML.escape(incident.title ?? incident.id))"
        return """
            <!doctype html>
            <html lang="\(language.rawValue)" data-theme="light">
            <head>
            <meta charset="utf-8">
            <title>\(title)</title>
            \(styles(options.forPDF))
            </head>
            <body class="sitrep-print">
            <header>
              <h1>\(t(.title)): \(HTML.escape(incident.title ?? incident.id))</h1>
              <p class="meta">\(t(.readerNote))\(options.forPDF ? "" : " <span class=\"no-print\">\(t(.printHint))</span>")</p>
            </header>
            <main>
            <table class="facts">
            \(facts.joined(separator: "\n"))
            </table>
            \(options.forPDF ? "" : controls(incident, options))
            <section id="current" aria-labelledby="current-heading">
            <h2 id="current-heading">\(t(.current))</h2>
            \(sitreps.isEmpty ? "<p>\(t(.noSitreps))</p>" : current(sitreps, options))
            </section>
            \(changed(sitreps, options))
            <section id="history" aria-labelledby="history-heading">
            <h2 id="history-heading">\(t(.history))</h2>
            \(history)
            </section>
            </main>
            </body>
            </html>
            """
    }

    /// The page's links to its style sheets, or, for the PDF, the sheets themselves (the
    /// headless browser reads the page from a file and fetches nothing).
    static func styles(_ inline: Bool) -> String {
        guard inline else {
            return """
                <link rel="stylesheet" href="/assets/knooppunt.css">
                <link rel="stylesheet" href="/assets/print.css">
                """
        }
        return "<style>\n\(WebAssets.text("knooppunt.css"))\n\(WebAssets.text("print.css"))\n</style>"
    }

    /// The "gewijzigd sinds" control and the PDF link (not printed).
    static func controls(_ incident: PictureDigest.Incident, _ options: Options) -> String {
        let t = { (key: SituationReportText) in HTML.escape(options.language.text(key)) }
        let since = options.since.map(ReadableTime.localField) ?? ""
        var query = "lang=\(options.language.rawValue)"
        if incident.exercise { query += "&exercise=true" }
        if let since = options.since {
            query += "&since=\(AmsterdamTime.text(since).addingPercentEncodingForQuery)"
        }
        return """
            <form class="no-print since-form" method="get" action="report">
            <label for="since">\(t(.sinceLabel))</label>
            <input type="datetime-local" id="since" name="since" value="\(HTML.escape(since))">
            <input type="hidden" name="lang" value="\(options.language.rawValue)">
            \(incident.exercise ? "<input type=\"hidden\" name=\"exercise\" value=\"true\">" : "")
            <button type="submit">\(t(.show))</button>
            <a class="pdf-link" href="report.pdf?\(HTML.escape(query))" download>\(t(.pdf))</a>
            </form>
            """
    }

    /// Per discipline the latest beeld the reader may read, then the latest of each BOB part.
    static func current(_ sitreps: [PictureDigest.Sitrep], _ options: Options) -> String {
        let language = options.language
        let t = { (key: SituationReportText) in HTML.escape(language.text(key)) }
        let withheld = "<p class=\"withheld\">— \(t(.withheld)) —</p>"
        func source(_ sitrep: PictureDigest.Sitrep) -> String {
            "<p class=\"meta\">\(t(.reportedBy)) \(HTML.escape(sitrep.origin))"
                + (sitrep.author.map { " · \(HTML.escape($0))" } ?? "") + " · "
                + ReadableTime.html(sitrep.committedAt, language, now: options.now) + "</p>"
        }
        var disciplines: [String] = []
        for sitrep in sitreps {
            for (discipline, _) in sitrep.beeld where !disciplines.contains(discipline) {
                disciplines.append(discipline)
            }
        }
        var out = "<h3>\(t(.beeld))</h3>"
        for discipline in disciplines {
            out += "\n<h4>\(HTML.escape(SituationReportText.discipline(discipline, language)))</h4>\n"
            let latest = sitreps.last { sitrep in
                sitrep.beeld.contains { $0.discipline == discipline && $0.text != nil }
            }
            if let latest, let text = latest.beeld.first(where: { $0.discipline == discipline })?.text {
                out +=
                    "<p data-discipline=\"\(HTML.escape(discipline))\">\(HTML.escape(text))</p>"
                    + source(latest)
            } else {
                out += withheld
            }
        }
        var names = partOrder
        for sitrep in sitreps {
            for part in sitrep.parts where !names.contains(part.name) { names.append(part.name) }
        }
        for name in names {
            let carrying = sitreps.filter { sitrep in sitrep.parts.contains { $0.name == name } }
            guard !carrying.isEmpty else { continue }
            let readable = carrying.last { sitrep in
                sitrep.parts.contains { $0.name == name && $0.content != .null }
            }
            let content = readable?.parts.first { $0.name == name }?.content ?? .null
            let (heading, body) = part(name, content, language)
            out += "\n<h3>\(t(heading))</h3>\n"
            out += readable.map { body + source($0) } ?? withheld
        }
        return out
    }

    /// Every sitrep committed after `since`, or the control's hint when none was chosen.
    static func changed(_ sitreps: [PictureDigest.Sitrep], _ options: Options) -> String {
        let t = { (key: SituationReportText) in HTML.escape(options.language.text(key)) }
        guard let since = options.since else {
            return options.forPDF
                ? ""
                : """
                <section id="changed" aria-labelledby="changed-heading">
                <h2 id="changed-heading">\(t(.changedSince))…</h2>
                <p class="meta">\(t(.sinceHint))</p>
                </section>
                """
        }
        let after = sitreps.filter { $0.committedAt > since }
        let body =
            after.isEmpty
            ? "<p>\(t(.changedNothing))</p>" : after.map { sitrep($0, options) }.joined(separator: "\n")
        return """
            <section id="changed" data-since="\(HTML.escape(AmsterdamTime.text(since)))" aria-labelledby="changed-heading">
            <h2 id="changed-heading">\(t(.changedSince)) \(ReadableTime.html(since, options.language, now: options.now))</h2>
            \(body)
            </section>
            """
    }

    static func sitrep(_ sitrep: PictureDigest.Sitrep, _ options: Options) -> String {
        let language = options.language
        let t = { (key: SituationReportText) in HTML.escape(language.text(key)) }
        let withheld = "<p class=\"withheld\">— \(t(.withheld)) —</p>"
        let source =
            "\(t(.source)): \(HTML.escape(sitrep.origin))\(sitrep.author.map { " · \(HTML.escape($0))" } ?? "") · seq \(sitrep.sequence)"
        let beeld = sitrep.beeld.map { discipline, text in
            "<h5>\(HTML.escape(SituationReportText.discipline(discipline, language)))</h5>"
                + (text.map { "<p>\(HTML.escape($0))</p>" } ?? withheld)
        }.joined(separator: "\n")
        var sections = ["<h4>\(t(.beeld))</h4>\n\(beeld)"]
        for (name, content) in sitrep.parts {
            let (title, body) = part(name, content, language)
            sections.append("<h4>\(t(title))</h4>\n" + (content == .null ? withheld : body))
        }
        return """
            <section class="sitrep" data-id="\(HTML.escape(sitrep.id))" data-committed="\(HTML.escape(AmsterdamTime.text(sitrep.committedAt)))">
            <h3>\(ReadableTime.html(sitrep.committedAt, language, now: options.now)) · \(HTML.escape(sitrep.origin))</h3>
            <p class="meta">\(source)</p>
            \(sections.joined(separator: "\n"))
            </section>
            """
    }
}

extension String {
    /// The text percent-encoded for a URL query value (`+` in an offset must not become a space).
    var addingPercentEncodingForQuery: String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ":"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
