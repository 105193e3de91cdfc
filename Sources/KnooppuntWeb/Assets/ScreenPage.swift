import KnooppuntDomain

/// The operator screen's page (`Resources/screen.html`): a sitrep form in the BOB structure
/// (beeld per discipline, oordeel, besluiten, acties, crisis communication) whose fields carry
/// the document path they fill (`data-field`), so every validation problem appears next to its
/// field.
enum ScreenPage {
    static let template = PageTemplate(named: "screen.html")

    static func html(for organisation: OrganisationCode, language: ScreenLanguage = .dutch) -> String {
        template.render(language, scriptWords: scriptWords) { key in
            text(key, organisation, language)
        } markup: { name in
            // The region's own part of the map; NCTV's and the police's screens see it whole.
            name == "map"
                ? RegionMap.netherlands.svg(
                    title: text("map.title", organisation, language), focus: organisation)
                : nil
        }
    }

    /// The words of `screen.js` and of the incident panel `screen-incident.js` builds.
    static let scriptWords = WordTable(ScreenWords.script, ScreenIncidentWords.script)

    /// `{{organisation}}` is the code; a word of the page gets the code and the region's name
    /// as `{0}` and `{1}`; the choices of the form (`verification.confirmed`) are common words.
    static func text(_ key: String, _ organisation: OrganisationCode, _ language: ScreenLanguage) -> String {
        let code = organisation.rawValue
        if key == "organisation" { return code }
        guard ScreenWords.page.contains(key) else { return CommonWords.script.text(key, language) }
        let name = ReferenceData.builtIn.regions[organisation]?.name ?? code
        return ScreenWords.page.text(key, language, code, name)
    }
}
