import ArgumentParser

@main
struct Knooppunt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knooppunt",
        abstract: "Knooppunt: the national information node for Dutch crisis management.",
        discussion: """
            Runs the national node, the daemons of the 25 safety regions, NCTV and the police, \
            and the tools operators use with them. Start the whole network locally with \
            `knooppunt cluster`.
            """,
        subcommands: Knooppunt.commands
    )
}
