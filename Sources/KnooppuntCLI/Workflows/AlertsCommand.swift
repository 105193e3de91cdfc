import ArgumentParser
import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDaemon
import KnooppuntDomain
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
        try service.run(signals: StopSignals(), parentPID: parentPid)
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

/// The alert service's loop: one thread owns the picture follower, the store and the hooks.
final class AlertService {
    let folder: DataFolder
    let network: NetworkConfig
    let config: HookConfig
    let store: AlertStore
    let logger: Logger
    let tracker: AcknowledgementTracker
    /// How often alarms are judged.
    static let interval: Duration = .seconds(1)
    /// At most this many hook calls per pass, so the follower keeps up.
    static let maxCallsPerPass = 16
    /// Alarms already logged, so each is logged once per state.
    private var logged: [String: AcknowledgementAlarm.State] = [:]

    init(
        folder: DataFolder, network: NetworkConfig, config: HookConfig, store: AlertStore, logger: Logger
    ) throws {
        self.folder = folder
        self.network = network
        self.config = config
        self.store = store
        self.logger = logger
        tracker = AcknowledgementTracker(rules: config.rules)
    }

    func run(signals: StopSignals, parentPID: Int32?) throws {
        let context = ZMQContext()
        let secrets = try OrganisationSecrets.load(from: folder.keyFile(.national))
        let follower = try PictureFollower(
            context: context, network: network, organisation: .national, secrets: secrets, role: .watch)
        defer {
            follower.close()
            context.terminate()
        }
        var next = ContinuousClock.now
        while signals.signal == nil {
            if let parentPID, getppid() != parentPID {
                logger.warning("the cluster that started this process is gone; stopping")
                return
            }
            try follower.poll(timeout: .milliseconds(200))
            guard ContinuousClock.now >= next else { continue }
            next = ContinuousClock.now + Self.interval
            // Judge only a complete picture: a half-caught-up mirror would miss acknowledgements.
            guard follower.isCaughtUp else { continue }
            let records = follower.mirror.picture.entries.values.map { WorkflowRecord($0.update) }
            pass(records: records, board: NodeBoard.read(folder, network))
        }
    }

    /// One judgement: log alarms as they change, send the alerts that are due.
    func pass(records: [WorkflowRecord], board: NodeBoard?) {
        let now = board?.now ?? WallClock.now()
        let requests = tracker.requests(in: records, applied: board?.applied, now: now)
        for request in requests {
            guard let alarm = request.alarm else { continue }
            let key = request.request.rawValue + (alarm.escalated ? "/escalated" : "")
            guard logged[key] != alarm.state else { continue }
            logged[key] = alarm.state
            logger.notice(
                "acknowledgement alarm",
                metadata: [
                    "request": "\(request.request)",
                    "subject": "\(request.subjectSummary ?? request.subject.rawValue)",
                    "alarm.state": "\(alarm.state.rawValue)", "escalated": "\(alarm.escalated)",
                    "missing": "\(alarm.missing.map(\.rawValue).joined(separator: ","))",
                    "not.delivered": "\(alarm.notDelivered.map(\.rawValue).joined(separator: ","))",
                ])
        }
        let due = AlertPlanner.due(requests, hooked: Set(config.hooks.keys))
        guard !due.isEmpty else { return }
        let known = Dictionary(
            ((try? store.all()) ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var calls = 0
        for notification in due where calls < Self.maxCallsPerPass {
            if let previous = known[notification.id] {
                guard previous.state == .pending,
                    now >= previous.lastAt + Self.backoffMs(attempts: previous.attempts)
                else { continue }
            }
            calls += 1
            send(notification, at: now)
        }
    }

    private func send(_ notification: AlertNotification, at now: Int64) {
        guard let hook = config.hooks[notification.organisation] else { return }
        let payload = JSONWriter.canonical(notification.payload)
        let error = HookRunner.call(hook, payload: payload, id: notification.id)
        do {
            try store.record(
                id: notification.id, organisation: notification.organisation.rawValue,
                kind: notification.kind.rawValue, request: notification.request.rawValue, payload: payload,
                hook: HookRunner.describe(hook), error: error, maxAttempts: HookConfig.Limits.attempts,
                at: now)
        } catch {
            logger.error(
                "could not record an alert",
                metadata: ["alert.id": "\(notification.id)", "error": "\(error)"])
        }
        if let error {
            logger.warning(
                "notification hook failed",
                metadata: [
                    "alert.id": "\(notification.id)", "hook": "\(HookRunner.describe(hook))",
                    "error": "\(error)",
                ])
        } else {
            logger.notice(
                "alert sent out of band",
                metadata: [
                    "alert.id": "\(notification.id)", "org": "\(notification.organisation)",
                    "hook": "\(HookRunner.describe(hook))",
                ])
        }
    }

    /// The wait before attempt `attempts + 1`: doubling from the first retry up to the cap.
    static func backoffMs(attempts: Int) -> Int64 {
        let first = HookConfig.Limits.firstRetry.components.seconds * 1000
        let cap = HookConfig.Limits.retryCap.components.seconds * 1000
        return min(cap, first << Int64(min(max(attempts - 1, 0), 16)))
    }
}
