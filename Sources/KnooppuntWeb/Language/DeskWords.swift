/// The national desk's words: its page (rendered on the server) and its script (`desk.js`).
enum DeskWords {
    static let page = WordTable([
        ("title", "Knooppunt · landelijk knooppunt", "Knooppunt · national desk"),
        ("who", "Landelijk knooppunt · desk (NATIONAL)", "National desk · Landelijk knooppunt (NATIONAL)"),
        ("signedInAs", "Ingelogd als", "Signed in as"),
        ("logout", "Uitloggen", "Log out"),
        ("themeToggle", "Wissel tussen donker en licht thema", "Switch between dark and light theme"),
        ("light", "Licht", "Light"),
        ("connecting", "Verbinden met de desk…", "Connecting to the desk…"),
        ("exercise", "OEFENING", "OEFENING · EXERCISE"),
        ("map.heading", "Veiligheidsregio's", "Safety regions"),
        (
            "map.title", RegionMap.dutchTitle,
            "Safety regions of the Netherlands: threat level (fill) and GRIP (outline)"
        ),
        ("map.views", "Welk beeld de kaart toont", "Which picture the map shows"),
        ("map.real", "Werkelijk beeld", "Real picture"),
        ("map.exercise", "Oefenbeeld", "Exercise picture"),
        ("legend", "Legenda", "Legend"),
        ("legend.fill", "Vlak: dreigingsniveau (T)", "Fill: threat level (T)"),
        (
            "legend.outline", "Rand: GRIP (G1 gestreept … G3+ doorgetrokken, dikker naarmate hoger)",
            "Outline: GRIP (G1 dashed … G3+ solid, thicker when higher)"
        ),
        ("legend.labels", "Labels: code, T dreigingsniveau, G GRIP", "Labels: code, T threat level, G GRIP"),
        ("threats.heading", "Dreigingsniveaus", "Threat levels"),
        ("threats.none", "Geen dreigingsniveaus in het beeld.", "No threat levels in the picture."),
        ("incidents.heading", "Incidenten", "Incidents"),
        ("incidents.none", "Geen incidenten.", "No incidents."),
        ("detail.heading", "Situatierapporten (BOB)", "Situation reports (BOB)"),
        (
            "detail.none", "Kies een incident om de tijdlijn van zijn sitreps te zien.",
            "Choose an incident to see its sitrep timeline."
        ),
        ("acks.heading", "Bevestigingen", "Acknowledgements"),
        ("acks.none", "Geen verzoeken om bevestiging.", "No acknowledgement requests."),
        ("measures.heading", "Maatregelen per gemeente", "Measures per municipality"),
        ("measures.none", "Geen maatregelen gemeld.", "No measures reported."),
        ("live.heading", "Bereikbaarheid", "Liveness"),
        (
            "actions.heading", "Desk-acties (landelijk advies, verzoeken om bevestiging)",
            "Desk actions (national advice, acknowledgement requests)"
        ),
        (
            "actions.person", "Elke actie wordt vastgelegd onder de naam waarmee u bent ingelogd.",
            "Every action is recorded under the name you are signed in with."
        ),
        ("advice.heading", "Landelijk advies over een incident", "National advice on an incident"),
        ("advice.incident", "Incident", "Incident"),
        ("advice.text", "Advies (beeld MULTI)", "Advice (beeld MULTI)"),
        (
            "advice.action", "Handelingsperspectief voor het publiek (optioneel)",
            "Action advice for the public (optional)"
        ),
        ("advice.submit", "Advies publiceren", "Publish advice"),
        ("ack.heading", "Om bevestiging vragen", "Request acknowledgement"),
        ("ack.subject", "Kenmerk van het te bevestigen rapport", "Report id to acknowledge"),
        (
            "ack.parties", "Partijen (komma-gescheiden, bijv. VR09, VR14, POLICE)",
            "Parties (comma-separated, e.g. VR09, VR14, POLICE)"
        ),
        ("ack.minutes", "Termijn in minuten", "Deadline in minutes"),
        ("ack.note", "Toelichting", "Note"),
        ("ack.submit", "Om bevestiging vragen", "Request acknowledgement"),
        ("filter.label", "Incidenten filteren en zoeken", "Filter and search incidents"),
        ("filter.region", "Regio", "Region"),
        ("filter.allRegions", "Alle regio's", "All regions"),
        ("filter.kind", "Soort", "Kind"),
        ("filter.allKinds", "Alle soorten", "All kinds"),
        ("filter.grip", "GRIP", "GRIP"),
        ("filter.allGRIP", "Elke GRIP", "Any GRIP"),
        ("filter.noGRIP", "Geen GRIP", "No GRIP"),
        ("filter.text", "Zoeken in rapporten", "Search the reports"),
    ])

    static let script = WordTable(
        CommonWords.script,
        WordTable([
            (
                "exercise.banner",
                "OEFENING — {0} oefenrapport(en) in het beeld, overal gemarkeerd als OEFENING; ze veranderen het werkelijke beeld nooit",
                "OEFENING · EXERCISE — {0} exercise report(s) in the picture, marked EXERCISE wherever shown; they never change the real picture"
            ),
            ("offline", "Verbinding met de desk verbroken", "Desk connection lost"),
            ("offline.since", " sinds {0}", " since {0}"),
            (
                "offline.rest", " — opnieuw verbinden; beeld van seq {0}",
                " — reconnecting; showing the picture as of seq {0}"
            ),
            ("link.asOf", "beeld van seq {0}", "picture as of seq {0}"),
            ("link.asOfAt", "beeld van seq {0} om {1}", "picture as of seq {0} at {1}"),
            (
                "link.connecting", "Verbinden met het landelijk knooppunt… {0}",
                "Connecting to the national node… {0}"
            ),
            ("link.live", "Live: {0}", "Live: {0}"),
            ("link.stale", "Achter: {0}; het knooppunt is bij seq {1}", "Stale: {0}; the node is at seq {1}"),
            (
                "link.unreachable", "Landelijk knooppunt onbereikbaar sinds {0}; getoond: {1}",
                "National node unreachable since {0}; showing the {1}"
            ),
            ("link.zone", "{0} (Europe/Amsterdam)", "{0} (Europe/Amsterdam)"),
            (
                "region.words", "{0} {1}: dreigingsniveau {2}, {3}, {4} open incident(en)",
                "{0} {1}: threat level {2}, {3}, {4} open incident(s)"
            ),
            ("region.noThreat", "geen", "none"),
            ("incidents.none", "Geen incidenten.", "No incidents."),
            (
                "incidents.noneMatch", "Geen incidenten die aan het filter voldoen.",
                "No incidents match the filter."
            ),
            ("filter.count", "{0} van {1} incident(en)", "{0} of {1} incident(s)"),
            ("subject.threat", "dreigingsniveau {0} · {1}", "threat level {0} · {1}"),
            ("subject.sitrepAt", "situatierapport {0} · {1} · {2}", "sitrep {0} · {1} · {2}"),
            ("incidents.noneIn", "Geen incidenten in {0}.", "No incidents in {0}."),
            ("lead", "leiding {0}", "lead {0}"),
            ("exercise.option", "[OEFENING] ", "[EXERCISE] "),
            (
                "withheld.view", "afgeschermd in dit beeld (alleen samenvatting)",
                "withheld from this view (digest only)"
            ),
            ("part.beeld", "Beeld {0}", "Beeld {0}"),
            ("part.oordeel", "Oordeel", "Oordeel (assessment)"),
            ("part.knelpunten", "Knelpunten: {0}", "Bottlenecks: {0}"),
            ("part.risks", "Risico's: {0}", "Risks: {0}"),
            ("part.besluiten", "Besluiten", "Besluiten (decisions)"),
            ("part.acties", "Acties", "Acties (actions)"),
            ("part.action", "• {0} — {1}, uiterlijk {2}", "• {0} — {1}, by {2}"),
            ("part.communicatie", "Crisiscommunicatie", "Crisis communication"),
            (
                "part.handelingsperspectief", "Handelingsperspectief: {0}",
                "Action advice (handelingsperspectief): {0}"
            ),
            ("confidence", "betrouwbaarheid {0}", "confidence {0}"),
            (
                "detail.none", "Kies een incident om de tijdlijn van zijn sitreps te zien.",
                "Choose an incident to see its sitrep timeline."
            ),
            ("started", "begonnen {0}", "started {0}"),
            ("timeToGRIP3", "Tijd tot GRIP 3: {0}", "Time to GRIP 3: {0}"),
            ("grip.none", "Nog geen GRIP-besluit.", "No GRIP decision yet."),
            ("timeline", "Tijdlijn (nieuwste eerst)", "Timeline (newest first)"),
            ("sitreps.none", "Nog geen sitrep.", "No sitrep yet."),
            ("threats.none", "Geen dreigingsniveaus in het beeld.", "No threat levels in the picture."),
            ("threat.inForce", "van kracht", "in force"),
            ("threat.notInForce", "niet van kracht", "not in force"),
            ("threat.review", "herbeoordeling {0}", "review {0}"),
            ("threat.advice", "Handelingsperspectief: {0}", "Action advice (handelingsperspectief): {0}"),
            (
                "threat.reviewDue",
                "HERBEOORDELING NODIG sinds {0}: de NCTV beoordeelt of verlaagt het niveau",
                "REVIEW DUE since {0}: NCTV reviews or lowers the level"
            ),
            ("threat.steps", "Stappen: {0}", "Steps: {0}"),
            ("threat.override", " (OVERRULED)", " (OVERRIDE)"),
            ("party.acknowledgedBy", " door {0}", " by {0}"),
            ("party.acknowledgedAt", " om {0}", " at {0}"),
            ("party.overdueDelivered", " (afgeleverd)", " (delivered)"),
            ("party.overdueNotDelivered", " (niet afgeleverd)", " (not delivered)"),
            ("alarm.what", "Wat eraan gedaan is", "What was done about it"),
            ("alarm.placeholder", "wat er gedaan is (bijv. VR14 gebeld)", "what was done (e.g. VR14 phoned)"),
            ("alarm.acknowledge", "Alarm bevestigen", "Acknowledge alarm"),
            ("alarm.open", "ALARM", "ALARM"),
            ("alarm.escalated", " · geëscaleerd", " · escalated"),
            ("alarm.done", "alarm bevestigd", "alarm acknowledged"),
            (
                "alarm.meta", "gevraagd door {0} · te laat sinds {1} · ontbreekt: {2}",
                "requested by {0} · overdue since {1} · missing {2}"
            ),
            ("alarm.notDelivered", " (niet afgeleverd: {0})", " (not delivered: {0})"),
            ("alarm.by", "bevestigd door {0} ({1}) om {2}", "acknowledged by {0} ({1}) at {2}"),
            ("acks.none", "Geen verzoeken om bevestiging.", "No acknowledgement requests."),
            ("acks.overdue", "{0} te laat", "{0} overdue"),
            ("acks.requestedBy", "gevraagd door {0}", "requested by {0}"),
            ("acks.deadline", " · termijn {0}", " · deadline {0}"),
            ("acks.withheld", "verzoek afgeschermd in dit beeld", "request withheld from this view"),
            ("acks.party", "Partij", "Party"),
            ("acks.state", "Stand", "State"),
            ("measures.none", "Geen maatregelen gemeld.", "No measures reported."),
            ("measures.level", "Dreigingsniveau {0} ({1})", "Threat level {0} ({1})"),
            ("measures.noLevel", "Geen dreigingsniveau", "No threat level"),
            ("measures.municipality", "Gemeente", "Municipality"),
            ("measures.notTaken", "niet genomen", "not taken"),
            ("measures.yes", "ja", "yes"),
            (
                "measures.others", "{0} andere gemeenten onder dit niveau melden geen maatregelen.",
                "{0} other municipalities under this level report no measures."
            ),
            ("measure.stayInside", "binnenblijven", "stay inside"),
            ("measure.buildingsClosed", "gebouwen gesloten", "buildings closed"),
            ("measure.schoolsClosed", "scholen gesloten", "schools closed"),
            ("measure.publicTransportStopped", "openbaar vervoer stilgelegd", "public transport stopped"),
            ("measure.roadsClosed", "wegen afgesloten", "roads closed"),
            ("measure.eventsCancelled", "evenementen afgelast", "events cancelled"),
            ("measure.evacuation", "evacuatie", "evacuation"),
            ("measure.increasedSurveillance", "meer toezicht", "more surveillance"),
            ("measure.other", "overig", "other"),
            (
                "live.fromNode",
                "Van het bereikbaarheidsbord van het knooppunt; knooppunt {0}, epoch {1}, laatste seq {2}",
                "From the node's liveness board; node {0}, epoch {1}, last seq {2}"
            ),
            (
                "live.noBoard",
                "Bord van het knooppunt niet bereikbaar vanaf deze host: knooppunt gehoord {0}; daemons onbekend.",
                "Node's board not reachable from this host: node heard {0}; daemons unknown."
            ),
            ("live.lag", "achterstand {0}", "lag {0}"),
            // Partners beyond the 28 are shown in a section per kind; a kind a network
            // configures beyond these is shown by its configured name.
            ("partners.kind", "Partners · {0}", "Partners · {0}"),
            ("orgKind.ministry", "ministerie", "ministry"),
            ("orgKind.infrastructure", "vitale infrastructuur", "vital infrastructure"),
            ("orgKind.waterBoard", "waterschap", "water board"),
            ("orgKind.health", "zorg (GGD/GHOR)", "health (GGD/GHOR)"),
            ("orgKind.defence", "defensie", "defence"),
            ("orgKind.justice", "justitie", "justice"),
            ("orgKind.municipality", "gemeente", "municipality"),
            ("orgKind.other", "overige partners", "other partners"),
            ("live.backlog", "wachtrij {0}", "backlog {0}"),
            ("may.advice", "landelijk advies geven", "give national advice"),
            ("may.ackRequest", "om bevestiging vragen", "request acknowledgements"),
            ("write.accepted", "Aanvaard seq {0} ({1})", "Accepted seq {0} ({1})"),
            (
                "write.queued", "In de wachtrij ({0}): gaat weg zodra het knooppunt antwoordt",
                "Queued ({0}): goes out as soon as the node answers"
            ),
            ("write.refused", "Geweigerd door het knooppunt: {0}", "Refused by the node: {0}"),
        ]))
}
