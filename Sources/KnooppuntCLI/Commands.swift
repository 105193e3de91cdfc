import ArgumentParser

extension Knooppunt {
    /// Every subcommand, in the order `--help` lists them.
    static let commands: [any ParsableCommand.Type] = [
        ValidateCommand.self
    ]
}
