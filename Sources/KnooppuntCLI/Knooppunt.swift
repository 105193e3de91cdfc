import ArgumentParser

@main
struct Knooppunt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knooppunt",
        abstract: "Knooppunt: the national information node for Dutch crisis management.",
        subcommands: []
    )
}
