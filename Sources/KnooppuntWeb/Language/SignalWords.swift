/// The words of the operator screen's "Signalen" page (`Resources/signals.html`, rendered on
/// the server) and of its script (`signals.js`): signals about persons, their states per
/// recipient, and the policy's refusals (E310–E315) in words an operator can act on.
enum SignalWords {
    static let page = WordTable([
        ("title", "Knooppunt · {0} signalen", "Knooppunt · {0} signals"),
        ("who", "Signalen · {0} {1}", "Signals · {0} {1}"),
        ("signedInAs", "Ingelogd als", "Signed in as"),
        ("logout", "Uitloggen", "Log out"),
        ("themeToggle", "Wissel tussen donker en licht thema", "Switch between dark and light theme"),
        ("light", "Licht", "Light"),
        ("nav.label", "Pagina's van het operatorscherm", "Pages of the operator screen"),
        ("nav.screen", "Operatorscherm", "Operator screen"),
        ("nav.signals", "Signalen", "Signals"),
        ("list.heading", "Signalen van en aan {0}", "Signals from and to {0}"),
        (
            "list.help",
            "Alleen de afzender en de ontvangers zien een signaal. De inhoud opent u per signaal; elke inzage staat op uw naam.",
            "Only the sender and the recipients see a signal. You open the content per signal; every view is recorded under your name."
        ),
        ("list.loading", "Signalen laden…", "Loading signals…"),
        ("col.time", "Verstuurd", "Sent"),
        ("col.from", "Van", "From"),
        ("col.states", "Ontvangers en status", "Recipients and state"),
        ("col.actions", "Acties", "Actions"),
        ("content.heading", "Inhoud van het signaal", "Content of the signal"),
        ("content.none", "Kies bij een signaal 'Inhoud tonen'.", "Choose 'Show content' at a signal."),
        ("send.heading", "Signaal versturen", "Send a signal"),
        ("send.kind", "Soort signaal", "Kind of signal"),
        (
            "send.person", "Pseudoniem van de persoon (geen naam of BSN)",
            "Pseudonymous reference to the person (no name or BSN)"
        ),
        ("send.assessment", "Uw beoordeling", "Your assessment"),
        ("send.basis", "Grondslag", "Legal basis"),
        ("send.recipients", "Ontvangers (volgens het signaalbeleid)", "Recipients (by the signal policy)"),
        ("send.retention", "Bewaartermijn (dagen)", "Retention (days)"),
        ("send.asked", "Gevraagd van de ontvangers", "Asked of the recipients"),
        ("send.exercise", "Oefening", "Exercise (oefening)"),
        ("send.submit", "Signaal versturen", "Send the signal"),
        (
            "exercise", "OEFENING: dit signaal is gemarkeerd als oefening",
            "OEFENING · EXERCISE: this signal is marked as an exercise"
        ),
    ])

    static let script = WordTable(
        CommonWords.script, states,
        WordTable([
            ("sig.none", "Geen signalen van of aan {0}.", "No signals from or to {0}."),
            ("sig.noAnswer", "Het scherm antwoordt niet.", "The screen does not answer."),
            ("sig.sent", "verstuurd", "sent"),
            ("sig.received", "ontvangen", "received"),
            ("sig.line", "Signaal van {0}, {1}", "Signal from {0}, {1}"),
            ("sig.open", "Inhoud tonen", "Show content"),
            (
                "sig.open.label", "Inhoud tonen van het signaal van {0}, {1}",
                "Show the content of the signal from {0}, {1}"
            ),
            ("sig.ack", "Ontvangst bevestigen", "Acknowledge receipt"),
            (
                "sig.ack.label", "Ontvangst bevestigen van het signaal van {0}, {1}",
                "Acknowledge receipt of the signal from {0}, {1}"
            ),
            ("sig.followUp", "Opvolging vastleggen", "Record the follow-up"),
            ("sig.followUp.outcome", "Opvolging", "Follow-up"),
            ("sig.followUp.note", "Toelichting (bijv. datum van de MAR)", "Note (e.g. the date of the MAR)"),
            ("sig.followUp.basis", "Eigen grondslag (bij doorsturen)", "Own legal basis (when forwarding)"),
            ("sig.sending", "Versturen…", "Sending…"),
            (
                "sig.queued", "Aan de daemon gegeven ({0}); wacht op het knooppunt…",
                "Handed to the daemon ({0}); waiting for the node…"
            ),
            (
                "sig.accepted", "Aanvaard door het landelijk knooppunt (seq {0}).",
                "Accepted by the national node (seq {0})."
            ),
            ("sig.refused", "Geweigerd: {0}", "Refused: {0}"),
            ("sig.notSent", "Niet verstuurd: {0}", "Not sent: {0}"),
            (
                "sig.mayNotSend", "Het signaalbeleid laat {0} geen signalen versturen.",
                "The signal policy lets {0} send no signals."
            ),
            ("sig.noRecipients", "Kies minstens één ontvanger.", "Choose at least one recipient."),
            ("sig.overdue", "TE LAAT", "OVERDUE"),
            ("sig.by", "door {0}", "by {0}"),
            ("sig.content.from", "Afzender", "Sender"),
            ("sig.content.kind", "Soort", "Kind"),
            ("sig.content.person", "Persoon (pseudoniem)", "Person (pseudonym)"),
            ("sig.content.assessment", "Beoordeling", "Assessment"),
            ("sig.content.basis", "Grondslag", "Legal basis"),
            ("sig.content.asked", "Gevraagd", "Asked"),
            ("sig.content.retention", "Bewaartermijn", "Retention"),
            ("sig.content.days", "{0} dagen", "{0} days"),
            ("sig.content.recipients", "Ontvangers", "Recipients"),
            ("sig.content.answers", "Antwoorden", "Answers"),
            (
                "sig.answer.signalAck", "{0}: ontvangst bevestigd {1} door {2}",
                "{0}: receipt acknowledged {1} by {2}"
            ),
            (
                "sig.answer.signalFollowUp", "{0}: opvolging {1}: {2} door {3}",
                "{0}: follow-up {1}: {2} by {3}"
            ),
            ("sig.may.send", "signalen versturen", "send signals"),
            ("sigkind.radicalisation", "radicalisering", "radicalisation"),
            ("sigkind.violence", "geweld", "violence"),
            ("sigkind.psychological", "psychische problematiek", "psychological concern"),
            ("sigkind.other", "overig", "other"),
            ("sigasked.inform", "ter informatie", "for information"),
            (
                "sigasked.discussMAR",
                "bespreken in een MAR (Multidisciplinair Afstemmingsoverleg Resocialisatie)",
                "discuss in a MAR (multidisciplinary resocialisation meeting)"
            ),
            ("sigasked.discussCaseMeeting", "bespreken in een casusoverleg", "discuss in a case meeting"),
            ("sigasked.act", "handelen binnen de eigen taak", "act within your own task"),
            (
                "sigoutcome.caseMeeting", "besproken in een MAR of casusoverleg",
                "taken into a MAR or case meeting"
            ),
            ("sigoutcome.noAction", "geen actie", "no action"),
            ("sigoutcome.forwarded", "doorgestuurd op eigen grondslag", "forwarded on own legal basis"),
            ("sigoutcome.closed", "afgesloten", "closed"),
            (
                "error.310", "het signaalbeleid staat dit signaal aan deze ontvanger niet toe",
                "the signal policy does not allow this signal to this recipient"
            ),
            ("error.311", "onbekende grondslag", "unknown legal basis"),
            (
                "error.312", "deze grondslag is voor deze ontvanger niet toegestaan",
                "this legal basis is not allowed for this recipient"
            ),
            (
                "error.313", "een signaal is alleen voor de afzender en de ontvangers",
                "a signal is for its sender and recipients only"
            ),
            (
                "error.314", "uw organisatie is geen ontvanger van dit signaal",
                "your organisation is not a recipient"
            ),
            (
                "error.315", "bewaartermijn langer dan het signaalbeleid toestaat",
                "retention longer than the policy allows"
            ),
        ]))

    /// The desk's signal board (`desk-signals.js`): counts and states, never content.
    static let desk = WordTable(
        states,
        WordTable([
            ("dsig.heading", "Signalen over personen", "Signals about persons"),
            (
                "dsig.help",
                "Aantallen en status per ontvanger; de inhoud is alleen voor afzender en ontvangers.",
                "Counts and state per recipient; the content is for the sender and recipients only."
            ),
            (
                "dsig.counts",
                "{0} signalen, {1} met een te late ontvanger · ontvangers: {2} bezorgd, {3} bevestigd, {4} opgevolgd, {5} te laat",
                "{0} signals, {1} with an overdue recipient · recipients: {2} delivered, {3} acknowledged, {4} followed up, {5} overdue"
            ),
            ("dsig.none", "Geen signalen.", "No signals."),
        ]))

    /// A recipient's state, in the words of the screen's page and of the desk's board.
    static let states = WordTable([
        ("sigstate.followedUp", "opgevolgd", "followed up"),
        ("sigstate.acknowledged", "ontvangst bevestigd", "acknowledged"),
        ("sigstate.overdue", "te laat", "overdue"),
        ("sigstate.delivered", "bezorgd", "delivered"),
        ("sigstate.notDelivered", "nog niet bezorgd", "not delivered yet"),
        ("sigstate.unknown", "bezorging onbekend", "delivery unknown"),
    ])
}
