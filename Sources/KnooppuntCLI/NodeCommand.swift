import ArgumentParser
import KnooppuntConfig
import KnooppuntNode

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run the national node.",
        discussion: """
            Accepts reports from the daemons, makes each durable before acknowledging it, and
            streams the picture to every organisation in its own view. Reads DIR/network.json and
            the node's server key; keeps its log in DIR/node/store.sqlite.

            Example:
              knooppunt node --dir ./var
            """)

    @OptionGroup var folder: FolderOption
    @OptionGroup var log: LogOptions
    @Option(name: .long, help: .hidden) var parentPid: Int32?
    @Option(name: .long, help: "Messages queued for one party before it is caught up from the log instead.")
    var sendHighWaterMark: Int32 = 20_000
    @Option(
        name: .long, help: "A party further behind than this many updates gets a snapshot instead of the log."
    )
    var catchUpLimit: UInt64 = 10_000

    func run() async throws {
        let logger = log.bootstrap(label: "knooppunt.node")
        let network = try folder.network()
        try DataFolder.makeOwnerOnly(folder.folder.nodeFolder)
        let lock = try LockFile(folder.folder.lockFile(in: folder.folder.nodeFolder))
        let server = try NodeServer(
            options: NodeOptions(folder: folder.folder, network: network, logger: logger))
        try await ServiceRunner.run(
            DaemonService(start: { try server.start() }, stop: { server.stop() }), parentPID: parentPid,
            logger: logger)
        withExtendedLifetime(lock) {}
    }
}
