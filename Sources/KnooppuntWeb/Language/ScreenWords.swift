/// An operator screen's words: its page (rendered on the server) and its script (`screen.js`).
enum ScreenWords {
    static let page = WordTable([
        ("title", "Knooppunt · {0} operatorscherm", "Knooppunt · {0} operator screen"),
        ("who", "Operatorscherm · {0} {1}", "Operator screen · {0} {1}"),
        ("signedInAs", "Ingelogd als", "Signed in as"),
        ("logout", "Uitloggen", "Log out"),
        ("nav.label", "Pagina's van het operatorscherm", "Pages of the operator screen"),
        ("nav.screen", "Operatorscherm", "Operator screen"),
        ("nav.signals", "Signalen", "Signals"),
        ("themeToggle", "Wissel tussen donker en licht thema", "Switch between dark and light theme"),
        ("light", "Licht", "Light"),
        ("connecting", "Verbinden met de daemon van {0}…", "Connecting to the daemon of {0}…"),
        (
            "exercise", "OEFENING: dit situatierapport is gemarkeerd als oefening",
            "OEFENING · EXERCISE: this sitrep is marked as an exercise"
        ),
        ("compose.heading", "Situatierapport opstellen (BOB)", "Compose a sitrep (BOB)"),
        ("report", "Rapport", "Report"),
        ("incident", "Incident", "Incident"),
        ("verification", "Verificatie", "Verification"),
        ("confidence", "Betrouwbaarheid", "Confidence"),
        ("exercise.check", "Oefening", "Exercise (oefening)"),
        ("classification", "Rubricering", "Classification"),
        ("class.partners", "partners (elke organisatie)", "partners (every organisation)"),
        ("class.public", "openbaar", "public"),
        ("class.national", "landelijk (NATIONAL, NCTV)", "national (NATIONAL, NCTV)"),
        ("class.police", "alleen politie", "police only"),
        ("beeld", "Beeld (per discipline; minstens één)", "Beeld (picture per discipline; at least one)"),
        ("oordeel", "Oordeel", "Oordeel (judgement)"),
        ("prognosis", "Prognose", "Prognosis"),
        ("bottlenecks", "Knelpunten (één per regel)", "Bottlenecks (one per line)"),
        ("risks", "Risico's (één per regel)", "Risks (one per line)"),
        ("besluiten", "Besluiten", "Besluiten (decisions)"),
        ("decisions", "Besluiten (één per regel)", "Decisions (one per line)"),
        ("decidedBy", "Besloten door", "Decided by"),
        ("acties", "Acties", "Acties (actions)"),
        ("action", "Actie", "Action"),
        ("owner", "Eigenaar", "Owner"),
        ("deadline", "Uiterlijk (Europe/Amsterdam)", "Deadline (Europe/Amsterdam)"),
        ("communicatie", "Crisiscommunicatie", "Crisiscommunicatie (crisis communication)"),
        ("coreMessage", "Kernboodschap", "Core message"),
        (
            "actionAdvice", "Handelingsperspectief voor het publiek",
            "Action advice for the public (handelingsperspectief)"
        ),
        ("targetArea", "Doelgebied: regio's (komma-gescheiden)", "Target area: regions (comma-separated)"),
        ("check", "Controleren (Alt+C)", "Check (Alt+C)"),
        (
            "send", "Verzenden naar het landelijk knooppunt (Ctrl+Enter)",
            "Send to the national node (Ctrl+Enter)"
        ),
        ("threat.heading", "Dreigingsniveau voor {0}", "Threat level for {0}"),
        ("threat.none", "Nog geen dreigingsniveau bekend.", "No threat level known yet."),
        ("delivery.heading", "Mijn rapporten: aflevering", "My reports: delivery"),
        ("delivery.none", "Nog niets verzonden vanaf dit scherm.", "Nothing sent from this screen yet."),
        ("requests.heading", "Verzoeken om bevestiging aan {0}", "Acknowledgements asked of {0}"),
        ("requests.none", "Geen.", "None."),
        ("national.heading", "Landelijk beeld (zoals {0} het ziet)", "National picture (as {0} sees it)"),
        ("col.region", "Regio", "Region"),
        ("col.grip", "GRIP", "GRIP"),
        ("col.threat", "Dreiging", "Threat"),
        ("col.open", "Open", "Open"),
        ("incidents", "Incidenten", "Incidents"),
        ("incidents.none", "Geen incidenten.", "No incidents."),
        ("discipline.MULTI", "Multidisciplinair (MULTI)", "Multidisciplinary (MULTI)"),
        ("discipline.BRW", "Brandweer (BRW)", "Fire service (BRW)"),
        ("discipline.POL", "Politie (POL)", "Police (POL)"),
        ("discipline.GZ", "Geneeskundige zorg (GZ)", "Medical (GZ)"),
        ("discipline.BZ", "Bevolkingszorg (BZ)", "Population care (BZ)"),
        ("discipline.CCOM", "Crisiscommunicatie (CCOM)", "Crisis communication (CCOM)"),
        ("discipline.DEF", "Defensie (DEF)", "Defence (DEF)"),
        ("map.heading", "Kaart van {0}", "Map of {0}"),
        (
            "map.title", "Kaart van {0}: gemeenten, incidenten en het punt van een nieuw incident",
            "Map of {0}: municipalities, incidents and the point of a new incident"
        ),
        (
            "map.help",
            "Klik op de kaart om het punt van een nieuw incident te zetten, of kies het punt en verplaats het met de pijltjestoetsen.",
            "Click the map to set the point of a new incident, or focus the point and move it with the arrow keys."
        ),
    ])

    static let script = WordTable(
        CommonWords.script,
        WordTable([
            ("check.ok", "Het situatierapport is geldig.", "The sitrep is valid."),
            (
                "cls.kind", "soort {0} (elke organisatie van die soort)",
                "kind {0} (every organisation of that kind)"
            ),
            ("cls.group", "groep {0} (elk lid)", "group {0} (every member)"),
            (
                "check.bad", "Niet geldig: zie de meldingen bij de velden.",
                "Not valid: see the messages at the fields."
            ),
            ("send.noAnswer", "Het scherm antwoordt niet.", "The screen does not answer."),
            ("send.queued", "In de wachtrij als {0} ({1} #{2})", "Queued as {0} ({1} #{2})"),
            (
                "send.problems", "Niet verzonden: {0} probleem/problemen, getoond bij de velden.",
                "Not sent: {0} problem(s), shown at the fields."
            ),
            ("delivery.none", "Nog niets verzonden vanaf dit scherm.", "Nothing sent from this screen yet."),
            ("delivery.accepted", "aanvaard seq {0}", "accepted seq {0}"),
            ("delivery.refused", "geweigerd: {0}", "refused: {0}"),
            ("delivery.queued", "in de wachtrij ({0} #{1})", "queued ({0} #{1})"),
            ("delivery.acknowledgedBy", " → bevestigd door {0}", " → acknowledged by {0}"),
            ("delivery.waitingFor", " · wacht op {0}", " · waiting for {0}"),
            (
                "banner.noAnswer", "Het scherm antwoordt niet; opnieuw verbinden…",
                "The screen does not answer; reconnecting…"
            ),
            (
                "banner.noDaemon", "De daemon van {0} antwoordt niet: er kan nu niets worden verzonden.",
                "The daemon of {0} does not answer: nothing can be sent now."
            ),
            ("banner.asOf", "beeld van seq {0}", "picture as of seq {0}"),
            ("banner.nodeAt", " (knooppunt bij {0})", " (node at {0})"),
            (
                "banner.connected", "Verbonden met het landelijk knooppunt: ",
                "Connected to the national node: "
            ),
            (
                "banner.unreachable",
                "Landelijk knooppunt onbereikbaar: rapporten wachten in de wachtrij ({0} wachtend); ",
                "National node unreachable: reports wait in the outbox ({0} queued); "
            ),
            ("banner.queued", " · {0} rapport(en) in de wachtrij", " · {0} report(s) queued"),
            ("threat.level", "Dreigingsniveau {0} — {1} ({2})", "Threat level {0} — {1} ({2})"),
            ("threat.none", "Geen dreigingsniveau van kracht voor {0}.", "No threat level in force for {0}."),
            ("threat.advice", "Handelingsperspectief: {0}", "Action advice (handelingsperspectief): {0}"),
            ("ack.give", "Bevestigen", "Acknowledge"),
            ("ack.meta", "van {0} · termijn {1} · {2}", "from {0} · deadline {1} · {2}"),
            ("ack.by", " door {0}", " by {0}"),
            (
                "ack.handed", "Bevestiging aan de daemon gegeven ({0})",
                "Acknowledgement handed to the daemon ({0})"
            ),
            ("requests.none", "Geen.", "None."),
            ("incidents.none", "Geen incidenten.", "No incidents."),
            (
                "may.publish", "rapporten voor de organisatie publiceren",
                "publish reports for the organisation"
            ),
        ]))
}
