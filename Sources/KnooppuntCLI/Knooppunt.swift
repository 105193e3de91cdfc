import ArgumentParser
import Foundation
import KnooppuntServices
import KnooppuntWeb

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
        version: Version.line,
        subcommands: Knooppunt.commands
    )

    /// Runs the command; a service's failure is printed and ends the process with the exit
    /// code its kind is documented with (`publish --help`).
    static func main() async {
        BuildIdentity.set(Version.json)
        NetworkOrganisations.install(arguments: CommandLine.arguments)
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let failure as ServiceFailure {
            printError(failure.message)
            flushStandardOutput()
            Foundation.exit(ExitCodes.code(for: failure.kind))
        } catch {
            exit(withError: error)
        }
    }
}
