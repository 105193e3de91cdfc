import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDaemon
import KnooppuntDomain
import KnooppuntServices
import KnooppuntStore
import KnooppuntWorkflows
import Logging
import StrictJSON
import ZeroMQ

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Run the alert service: overdue acknowledgements raise alarms and go out of band.",
        discussion: """
            Follows the national picture (as the national desk) and the node's liveness board, on \
            the node's host. Every second it judges every acknowledgement request on the node's \
            clock: past its deadline, each party that has not acknowledged gets an alert on its \
            own notification hook (its daemon may be down: the hook is the way around it), and \
            the request has an alarm that a person must acknowledge (`knooppunt ack alarm`). An \
            alarm nobody acknowledged within `escalateAfter` goes to the hooks of the national \
            desk and of the requester.

            Hooks per organisation are configured in --hooks (default DIR/alerting.yaml; the \
            template is config/alerting.yaml): a command (the alert JSON on its stdin) or a \
            webhook on loopback (POSTed). Each alert is sent once (kept in \
            DIR/alerts/store.sqlite), retried with backoff up to 8 attempts when the hook fails. \
            Exercise requests raise no alarms.

            Examples:
              knooppunt alerts --dir ./var
              knooppunt alerts --dir ./var --hooks /etc/knooppunt/alerting.yaml
              knooppunt alerts --dir ./var --list
            """)

    @OptionGroup var folder: FolderOption
    @OptionGroup var log: LogOptions
    @Option(help: "The hooks file (YAML or JSON); default DIR/alerting.yaml, none when missing.")
    var hooks: String?
    @Flag(help: "Print every alert sent so far (from the service's store) and exit.") var list = false
    @Option(name: .long, help: .hidden) var parentPid: Int32?

    func run() throws {
        let data = folder.folder
        let alertsFolder = data.root.appendingPathComponent("alerts", isDirectory: true)
        let storePath = alertsFolder.appendingPathComponent("store.sqlite").path
        if list { return try printList(storePath) }
        let logger = log.bootstrap(label: "knooppunt.alerts")
        let config = try loadHooks()
        try DataFolder.makeOwnerOnly(alertsFolder)
        let lock = try LockFile(data.lockFile(in: alertsFolder))
        defer { withExtendedLifetime(lock) {} }
        let service = try AlertService(
            folder: data, network: try folder.network(), config: config,
            store: try AlertStore(path: storePath), logger: logger)
        logger.info(
            "alert service started",
            metadata: [
                "hooks": "\(config.hooks.keys.sorted().map(\.rawValue).joined(separator: ","))",
                "escalate.after": "\(config.rules.escalateAfter)",
            ])
        let signals = StopSignals()
        try service.run(parentPID: parentPid) { signals.signal != nil }
        logger.info("alert service stopped")
    }

    private func loadHooks() throws -> HookConfig {
        let path = hooks ?? folder.folder.root.appendingPathComponent("alerting.yaml").path
        guard let bytes = FileManager.default.contents(atPath: path) else {
            if hooks != nil {
                printError("cannot read \(path)")
                throw ExitCode(ExitCodes.invalid)
            }
            return HookConfig()
        }
        do {
            return try HookConfig.parse([UInt8](bytes))
        } catch {
            printError("\(path): \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
    }

    private func printList(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            print("No alerts sent from \(folder.folder.root.path).")
            return
        }
        for item in try AlertStore(readOnlyPath: path).all() {
            let at = Timestamp(millisecondsSinceEpoch: item.lastAt).inAmsterdam.rfc3339Seconds
            print(
                "\(at)  \(pad(item.state.rawValue, 8)) \(pad(item.kind, 11)) \(pad(item.organisation, 9)) request \(item.request)  via \(item.hook)"
                    + (item.attempts > 1 ? "  (\(item.attempts) attempts)" : "")
                    + (item.lastError.map { "  last error: \($0)" } ?? ""))
        }
    }
}
