/// The language of a page: Dutch by default (the domain's own terms: beeld, oordeel,
/// besluiten, handelingsperspectief), English on request (`?lang=en`, kept in a cookie; see
/// ``chosen(by:)``).
enum ScreenLanguage: String, Sendable, CaseIterable {
    case dutch = "nl"
    case english = "en"

    /// The text for `key` in this language (the key itself when a translation is missing).
    func text(_ key: SituationReportText) -> String {
        switch self {
        case .dutch: key.dutch
        case .english: key.english
        }
    }
}

/// The words of the printable situation report, in both languages.
enum SituationReportText: CaseIterable {
    case title, incident, region, grip, status, lead, startedAt, madeAt, reader, readerNote, noSitreps
    case beeld, oordeel, besluiten, acties, communicatie, bottlenecks, risks, prognosis, decidedBy
    case owner, deadline, coreMessage, actionAdvice, withheld, source, printHint, other
    case current, changedSince, changedNothing, sinceLabel, sinceHint, show, history, pdf, reportedBy

    var dutch: String {
        switch self {
        case .title: "Situatierapport"
        case .incident: "Incident"
        case .region: "Veiligheidsregio"
        case .grip: "GRIP"
        case .status: "Status"
        case .lead: "Leiding"
        case .startedAt: "Begonnen"
        case .madeAt: "Opgemaakt"
        case .reader: "Voor"
        case .readerNote: "Dit rapport bevat alleen wat deze organisatie mag zien."
        case .noSitreps: "Nog geen situatierapporten."
        case .beeld: "Beeld"
        case .oordeel: "Oordeel"
        case .besluiten: "Besluiten"
        case .acties: "Acties"
        case .communicatie: "Crisiscommunicatie"
        case .bottlenecks: "Knelpunten"
        case .risks: "Risico's"
        case .prognosis: "Prognose"
        case .decidedBy: "besloten door"
        case .owner: "eigenaar"
        case .deadline: "uiterlijk"
        case .coreMessage: "Kernboodschap"
        case .actionAdvice: "Handelingsperspectief"
        case .withheld: "niet zichtbaar voor deze lezer"
        case .source: "Bron"
        case .printHint: "Afdrukken: Ctrl+P (of ⌘P)."
        case .other: "overig"
        case .current: "Actueel beeld"
        case .changedSince: "Gewijzigd sinds"
        case .changedNothing: "Geen nieuwe situatierapporten sinds dit tijdstip."
        case .sinceLabel: "Gewijzigd sinds (laatste crisisteam-overleg)"
        case .sinceHint:
            "Kies het tijdstip van het laatste crisisteam-overleg om te zien wat sindsdien is gemeld."
        case .show: "Toon"
        case .history: "Verloop"
        case .pdf: "PDF downloaden"
        case .reportedBy: "gemeld door"
        }
    }

    var english: String {
        switch self {
        case .title: "Situation report"
        case .incident: "Incident"
        case .region: "Safety region"
        case .grip: "GRIP"
        case .status: "Status"
        case .lead: "Lead"
        case .startedAt: "Started"
        case .madeAt: "Made"
        case .reader: "For"
        case .readerNote: "This report holds only what this organisation may see."
        case .noSitreps: "No situation reports yet."
        case .beeld: "Picture (beeld)"
        case .oordeel: "Assessment (oordeel)"
        case .besluiten: "Decisions (besluiten)"
        case .acties: "Actions"
        case .communicatie: "Crisis communication"
        case .bottlenecks: "Bottlenecks"
        case .risks: "Risks"
        case .prognosis: "Prognosis"
        case .decidedBy: "decided by"
        case .owner: "owner"
        case .deadline: "by"
        case .coreMessage: "Core message"
        case .actionAdvice: "Action advice (handelingsperspectief)"
        case .withheld: "not visible to this reader"
        case .source: "Source"
        case .printHint: "Print: Ctrl+P (or ⌘P)."
        case .other: "other"
        case .current: "Current picture"
        case .changedSince: "Changed since"
        case .changedNothing: "No new situation reports since this time."
        case .sinceLabel: "Changed since (last crisis-team meeting)"
        case .sinceHint: "Choose the time of the last crisis-team meeting to see what was reported since."
        case .show: "Show"
        case .history: "History"
        case .pdf: "Download PDF"
        case .reportedBy: "reported by"
        }
    }

    /// A discipline's name (`BRW` → "Brandweer").
    static func discipline(_ code: String, _ language: ScreenLanguage) -> String {
        let names: [String: (String, String)] = [
            "MULTI": ("Multidisciplinair", "Multidisciplinary"), "BRW": ("Brandweer", "Fire service"),
            "POL": ("Politie", "Police"), "GZ": ("Geneeskundige zorg", "Medical care"),
            "BZ": ("Bevolkingszorg", "Population care"),
            "CCOM": ("Crisiscommunicatie", "Crisis communication"),
            "DEF": ("Defensie", "Defence"),
        ]
        guard let name = names[code] else { return code }
        return (language == .dutch ? name.0 : name.1) + " (\(code))"
    }
}
