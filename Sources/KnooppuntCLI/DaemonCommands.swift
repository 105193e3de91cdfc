import ArgumentParser
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntServices

/// Runs the daemon of one organisation until SIGTERM/SIGINT.
struct DaemonRunner: ParsableArguments {
    @OptionGroup var folder: FolderOption
    @OptionGroup var log: LogOptions
    @Option(name: .long, help: .hidden) var parentPid: Int32?

    func run(_ organisation: OrganisationCode) async throws {
        let logger = log.bootstrap(label: "knooppunt.\(organisation)")
        let network = try folder.network()
        guard network.organisations[organisation] != nil else {
            throw ValidationError("\(organisation) is not in \(folder.folder.networkFile.path)")
        }
        let daemonFolder = folder.folder.daemonFolder(organisation)
        try DataFolder.makeOwnerOnly(daemonFolder)
        let lock = try LockFile(folder.folder.lockFile(in: daemonFolder))
        // Its people: the first administrator on the first run (docs/PEOPLE.md).
        try FirstAdministrator.ensure(organisation, folder: folder.folder, logger: logger)
        let server = DaemonServer(
            options: DaemonOptions(
                organisation: organisation, folder: folder.folder, network: network, logger: logger))
        try await ServiceRunner.run(
            DaemonService(start: { try server.start() }, stop: { server.stop() }), parentPID: parentPid,
            logger: logger)
        withExtendedLifetime(lock) {}
    }
}

struct RegionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "region",
        abstract: "Run the daemon of a safety region.",
        discussion: """
            Keeps the region's outbox (every report stored before it is sent, sent until the \
            national node acknowledges it) and its mirror of the national picture. Operators \
            hand it reports with `knooppunt publish --as VR09`.

            Example:
              knooppunt region VR09 --dir ./var
            """)

    @Argument(help: "The safety region's code, VR01…VR25.") var code: OrganisationCode
    @OptionGroup var runner: DaemonRunner

    func validate() throws {
        guard code.isSafetyRegion else { throw ValidationError("\(code) is not a safety region (VR01…VR25)") }
    }

    func run() async throws { try await runner.run(code) }
}

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the daemon of any organisation of the network, a partner's included.",
        discussion: """
            The same daemon as `knooppunt region`: the organisation's outbox towards the national \
            node and its mirror of the picture in its own view. Operators hand it reports with \
            `knooppunt publish --as CODE`; `watch --as CODE` and `screen --as CODE` work over it. \
            A partner without a safety region of its own has no municipalities or region map; \
            what it may write is the policy's (kinds and groups, `knooppunt policy show`).

            Examples:
              knooppunt daemon --org RWS --dir ./var
              knooppunt daemon --org VR09 --dir ./var
            """)

    @Option(name: .customLong("org"), help: "The organisation's code, as network.json lists it.")
    var code: String
    @OptionGroup var runner: DaemonRunner

    func validate() throws {
        guard let organisation = OrganisationCode(code.uppercased()) else {
            throw ValidationError("--org \(code): not an organisation code")
        }
        guard organisation != .national else {
            throw ValidationError(
                "NATIONAL is the node's own organisation: run `knooppunt node` and the desk")
        }
    }

    func run() async throws { try await runner.run(OrganisationCode(code.uppercased())!) }
}

struct NCTVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nctv",
        abstract: "Run NCTV's daemon (threat levels and the level-5 step plan).",
        discussion: """
            Without a subcommand: runs NCTV's daemon. `knooppunt nctv level …` takes the steps of \
            the threat level 5 step plan through that daemon (see `knooppunt nctv level --help`).

            Examples:
              knooppunt nctv --dir ./var
              knooppunt nctv level status --dir ./var
            """,
        subcommands: [ThreatLevelCommand.self])

    @OptionGroup var runner: DaemonRunner

    func run() async throws { try await runner.run(.nctv) }
}

struct PoliceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "police",
        abstract: "Run the police's daemon (one organisation; its units are a field of its reports).",
        discussion: "Example:\n  knooppunt police --dir ./var")

    @OptionGroup var runner: DaemonRunner

    func run() async throws { try await runner.run(.police) }
}
