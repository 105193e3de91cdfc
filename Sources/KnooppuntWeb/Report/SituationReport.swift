import KnooppuntDomain
import StrictJSON

/// A printable situation report of one incident in the BOB structure (beeld, oordeel,
/// besluiten), for a crisis-team meeting: every sitrep of the incident the reader's picture
/// holds, oldest first, each with its source and time (Europe/Amsterdam).
///
/// Built from the reader's own view of the picture, so it can only show what the reader may
/// see: a section withheld from the view says so and shows nothing of its content. A pure
/// function of the incident; no I/O.
enum SituationReport {
    static func html(
        _ incident: PictureDigest.Incident, reader: OrganisationCode, now: Int64, language: ScreenLanguage
    ) -> String {
        let t = { (key: SituationReportText) in HTML.escape(language.text(key)) }
        var rows: [(SituationReportText, String?)] = [
            (.incident, incident.id + (incident.title.map { " · \($0)" } ?? "")),
            (.region, incident.region?.rawValue), (.grip, incident.grip?.level), (.status, incident.status),
            (.lead, incident.lead), (.startedAt, AmsterdamTime.text(rfc3339: incident.startedAt)),
        ]
        rows.append((.madeAt, AmsterdamTime.text(now)))
        rows.append((.reader, reader.rawValue))
        let facts = rows.compactMap { key, value in
            value.map { "<tr><th>\(t(key))</th><td>\(HTML.escape($0))</td></tr>" }
        }.joined(separator: "\n")
        let sitreps =
            incident.sitreps.isEmpty
            ? "<p>\(t(.noSitreps))</p>"
            : incident.sitreps.sorted { $0.sequence < $1.sequence }.map { sitrep($0, language) }.joined(
                separator: "\n")
        return """
            <!doctype html>
            <html lang="\(language.rawValue)" data-theme="light">
            <head>
            <meta charset="utf-8">
            <title>\(t(.title)) · \(HTML.escape(incident.id))</title>
            <link rel="stylesheet" href="/assets/knooppunt.css">
            <link rel="stylesheet" href="/assets/print.css">
            </head>
            <body class="sitrep-print">
            <header>
              <h1>\(t(.title)) \(HTML.escape(incident.id))</h1>
              <p class="meta">\(t(.readerNote)) <span class="no-print">\(t(.printHint))</span></p>
            </header>
            <table class="facts">
            \(facts)
            </table>
            \(sitreps)
            </body>
            </html>
            """
    }

    private static func sitrep(_ sitrep: PictureDigest.Sitrep, _ language: ScreenLanguage) -> String {
        let t = { (key: SituationReportText) in HTML.escape(language.text(key)) }
        let withheld = "<p class=\"withheld\">— \(t(.withheld)) —</p>"
        let source =
            "\(t(.source)): \(sitrep.origin)\(sitrep.author.map { " · \($0)" } ?? "") · seq \(sitrep.sequence) · "
            + AmsterdamTime.text(sitrep.committedAt)
        let beeld = sitrep.beeld.map { discipline, text in
            "<h4>\(HTML.escape(SituationReportText.discipline(discipline, language)))</h4>"
                + (text.map { "<p>\(HTML.escape($0))</p>" } ?? withheld)
        }.joined(separator: "\n")
        var sections = ["<h3>\(t(.beeld))</h3>\n\(beeld)"]
        for (name, content) in sitrep.parts {
            let (title, body) = part(name, content, language)
            sections.append("<h3>\(t(title))</h3>\n" + (content == .null ? withheld : body))
        }
        return """
            <section class="sitrep" data-id="\(HTML.escape(sitrep.id))">
            <h2>\(HTML.escape(AmsterdamTime.text(sitrep.committedAt)))</h2>
            <p class="meta">\(HTML.escape(source))</p>
            \(sections.joined(separator: "\n"))
            </section>
            """
    }

    /// The heading and body of one BOB part (`oordeel`, `besluiten`, `acties`, `communicatie`).
    private static func part(
        _ name: String, _ content: JSONValue, _ language: ScreenLanguage
    ) -> (SituationReportText, String) {
        let t = { (key: SituationReportText) in HTML.escape(language.text(key)) }
        func list(_ items: [JSONValue]?, _ line: (JSONValue) -> String) -> String {
            "<ul>" + (items ?? []).map { "<li>\(line($0))</li>" }.joined() + "</ul>"
        }
        func strings(_ key: String) -> String {
            list(content[key]?.arrayValue) { HTML.escape($0.stringValue ?? "") }
        }
        switch name {
        case "oordeel":
            return (
                .oordeel,
                "<p><strong>\(t(.prognosis))</strong>: \(HTML.escape(content["prognosis"]?.stringValue ?? ""))</p>"
                    + "<p><strong>\(t(.bottlenecks))</strong></p>\(strings("bottlenecks"))"
                    + "<p><strong>\(t(.risks))</strong></p>\(strings("risks"))"
            )
        case "besluiten":
            return (
                .besluiten,
                list(content["items"]?.arrayValue) { item in
                    HTML.escape(item["text"]?.stringValue ?? "")
                        + (item["decidedBy"]?.stringValue.map { " (\(t(.decidedBy)) \(HTML.escape($0)))" }
                            ?? "")
                }
            )
        case "acties":
            return (
                .acties,
                list(content["items"]?.arrayValue) { item in
                    HTML.escape(item["text"]?.stringValue ?? "") + " (\(t(.owner)) "
                        + HTML.escape(item["owner"]?.stringValue ?? "") + ", \(t(.deadline)) "
                        + HTML.escape(AmsterdamTime.text(rfc3339: item["deadline"]?.stringValue) ?? "") + ")"
                }
            )
        case "communicatie":
            return (
                .communicatie,
                "<p><strong>\(t(.coreMessage))</strong>: \(HTML.escape(content["coreMessage"]?.stringValue ?? ""))</p>"
                    + "<p><strong>\(t(.actionAdvice))</strong>: \(HTML.escape(content["actionAdvice"]?.stringValue ?? ""))</p>"
            )
        default:
            return (
                .other,
                "<pre>\(HTML.escape(String(decoding: JSONWriter.canonical(content), as: UTF8.self)))</pre>"
            )
        }
    }
}
