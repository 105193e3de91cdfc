import ArgumentParser
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntServices

/// `knooppunt exercise signal`: the signal flow of the letter of 26 May 2021, fictionalised,
/// on a running network (``SignalExercise``).
struct ExerciseSignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Replay the signal flow of the letter of 26 May 2021 (fictionalised) as an exercise.",
        discussion: """
            DJI's Meldpunt Radicalisering registers a radicalisation signal about a detainee \
            (a pseudonymous reference) shortly before release and sends it on a legal basis of \
            the signal policy to the municipality of residence and the police, asking for a MAR \
            (Multidisciplinair Afstemmingsoverleg Resocialisatie); the municipality acknowledges \
            receipt and records the MAR as its follow-up; the police acknowledges. Each step is \
            printed in Dutch with its progress. Every report is an exercise report, published by \
            the organisation's own daemon in --dir; the run ends by checking in the daemons' \
            pictures that the municipality holds the signal and the MAR is recorded, and that \
            the sender sees both states.

            The parties must be in network.json with their kinds and their daemons running:
              knooppunt org add DJI --kind justice --name "DJI Meldpunt Radicalisering"
              knooppunt org add GEM-UTRECHT --kind municipality --name "Gemeente Utrecht"

            Exit codes: 0 the signal landed and was followed up; 1 a party is missing or the \
            policy refuses the signal; 3 a step did not land within --wait; 4 a step refused; \
            5 a daemon is not running; 6 the exercise account is disabled.

            Examples:
              knooppunt exercise signal --dir ./var
              knooppunt exercise signal --municipality GEM-AMSTERDAM --dir ./var
            """)

    @Option(help: "The sender (DJI's Meldpunt Radicalisering, of kind justice).") var sender = "DJI"
    @Option(help: "The municipality of residence (of kind municipality).") var municipality = "GEM-UTRECHT"
    @Option(help: "The police.") var police = "POLICE"
    @Option(help: "The legal basis the signal states (a code of the signal policy).") var basis = "WJSG-39F"
    @Option(help: "Seconds to wait for each step to land.") var wait: Double = 60
    @OptionGroup var folder: FolderOption

    func validate() throws {
        for (name, code) in [("--sender", sender), ("--municipality", municipality), ("--police", police)] {
            guard OrganisationCode(code) != nil else {
                throw ValidationError("\(name): not an organisation code")
            }
        }
        guard wait > 0 else { throw ValidationError("--wait: a positive number of seconds") }
    }

    func run() throws {
        let parties = SignalExercise.Parties(
            sender: OrganisationCode(sender)!, municipality: OrganisationCode(municipality)!,
            police: OrganisationCode(police)!, legalBasis: basis)
        let exercise = SignalExercise(
            folder: folder.folder, parties: parties,
            policy: try SignalPolicy.load(folder: folder.folder.root),
            wait: wait, actor: CommandLineActor.name, output: printLine)
        defer { exercise.close() }
        try exercise.run(network: try folder.network())
    }
}
