import ArgumentParser
import KnooppuntDomain

/// `knooppunt partner CODE`: the daemon of a partner that `knooppunt org add` put in
/// network.json (DJI, a municipality, the OM, a Zorg- en Veiligheidshuis …).
struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner",
        abstract: "Run the daemon of a partner organisation (added with `knooppunt org add`).",
        discussion: """
            The same daemon as a safety region's: its outbox, its mirror of the picture as its \
            own view, its people and its operator socket.

            Example:
              knooppunt org add DJI --kind justice --name "DJI Meldpunt Radicalisering" --dir ./var
              knooppunt partner DJI --dir ./var
            """)

    @Argument(help: "The partner's code, as network.json lists it.") var code: OrganisationCode
    @OptionGroup var runner: DaemonRunner

    func validate() throws {
        guard !code.isReference else {
            throw ValidationError("\(code) is one of the 28: run it with `region`, `nctv` or `police`")
        }
    }

    func run() async throws { try await runner.run(code) }
}
