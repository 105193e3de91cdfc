import StrictJSON

extension SituationReport {
    /// The heading and body of one BOB part (`oordeel`, `besluiten`, `acties`, `communicatie`).
    static func part(
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
                    let deadline =
                        AmsterdamTime.milliseconds(rfc3339: item["deadline"]?.stringValue)
                        .map { ReadableTime.text($0, language, now: $0) } ?? ""
                    return HTML.escape(item["text"]?.stringValue ?? "") + " (\(t(.owner)) "
                        + HTML.escape(item["owner"]?.stringValue ?? "") + ", \(t(.deadline)) "
                        + HTML.escape(deadline) + ")"
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
