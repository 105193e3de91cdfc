import KnooppuntDomain

/// The national desk's page (`Resources/desk.html`), in Dutch or English. The map is drawn
/// into the page once at startup; everything else is filled in by `desk.js` from the live
/// stream.
enum DeskPage {
    static let template = PageTemplate(named: "desk.html")

    /// The words of `desk.js` and of the signal board `desk-signals.js` builds.
    static let scriptWords = WordTable(DeskWords.script, SignalWords.desk)

    static func html(_ language: ScreenLanguage) -> String {
        template.render(language, scriptWords: scriptWords) { key in
            text(key, language)
        } markup: { name in
            name == "map" ? RegionMap.netherlands.svg(title: DeskWords.page.text("map.title", language)) : nil
        }
    }

    /// A word of the page, or the name of a threat level in the legend (`level.1`…`level.5`,
    /// from the reference data).
    static func text(_ key: String, _ language: ScreenLanguage) -> String {
        if key.hasPrefix("level."), let level = Int(key.dropFirst("level.".count)) {
            return ReferenceData.builtIn.threatLevels[level]?.name ?? ""
        }
        return DeskWords.page.text(key, language)
    }
}
