import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntStore
import KnooppuntWorkflows
import Logging
import StrictJSON
import ZeroMQ

/// The alert service's loop: one thread owns the picture follower, the store and the hooks.
public final class AlertService {
    let folder: DataFolder
    let network: NetworkConfig
    let config: HookConfig
    let store: AlertStore
    let logger: Logger
    let tracker: AcknowledgementTracker
    /// Signals whose recipients are overdue raise alarms on the same path (issue 18).
    let signalTracker: SignalTracker
    /// How often alarms are judged.
    static let interval: Duration = .seconds(1)
    /// At most this many hook calls per pass, so the follower keeps up.
    static let maxCallsPerPass = 16
    /// Alarms already logged, so each is logged once per state.
    private var logged: [String: AcknowledgementAlarm.State] = [:]

    public init(
        folder: DataFolder, network: NetworkConfig, config: HookConfig, store: AlertStore, logger: Logger
    ) throws {
        self.folder = folder
        self.network = network
        self.config = config
        self.store = store
        self.logger = logger
        tracker = AcknowledgementTracker(rules: config.rules)
        signalTracker = SignalTracker(
            acknowledgeWithinMs: try SignalPolicy.load(folder: folder.root).acknowledgeWithinMs)
    }

    /// Runs until `stopRequested` says so (a signal), or the process that started it is gone.
    public func run(parentPID: Int32?, stopRequested: () -> Bool) throws {
        let follower = try PictureFollower(
            folder: folder, network: network, organisation: .national, role: .watch)
        defer { follower.close() }
        var next = ContinuousClock.now
        while !stopRequested() {
            if let parentPID, getppid() != parentPID {
                logger.warning("the cluster that started this process is gone; stopping")
                return
            }
            try follower.poll(timeout: .milliseconds(200))
            guard ContinuousClock.now >= next else { continue }
            next = ContinuousClock.now + Self.interval
            // Judge only a complete picture: a half-caught-up mirror would miss acknowledgements.
            guard follower.isCaughtUp else { continue }
            let updates = follower.mirror.picture.entries.values.map(\.update)
            pass(
                records: updates.map { WorkflowRecord($0) }, board: NodeBoard.read(folder, network),
                signals: updates.compactMap { SignalRecord($0) })
        }
    }

    /// One judgement: log alarms as they change, send the alerts that are due.
    public func pass(records: [WorkflowRecord], board: NodeBoard?, signals: [SignalRecord] = []) {
        let now = board?.now ?? Timestamp.nowMilliseconds()
        let requests =
            tracker.requests(in: records, applied: board?.applied, now: now)
            + SignalTracker.alarms(
                signalTracker.signals(in: signals, applied: board?.applied, now: now), rules: config.rules,
                now: now)
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
    public static func backoffMs(attempts: Int) -> Int64 {
        let first = HookConfig.Limits.firstRetry.components.seconds * 1000
        let cap = HookConfig.Limits.retryCap.components.seconds * 1000
        return min(cap, first << Int64(min(max(attempts - 1, 0), 16)))
    }
}
