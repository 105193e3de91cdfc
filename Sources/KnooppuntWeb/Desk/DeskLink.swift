import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// The desk's connection to the national node, as the national organisation: one poll-loop
/// thread owns the DEALER to the node (the picture stream in the national view, and the
/// desk officers' reports), the DEALER to the node's local control socket (the liveness
/// board) and the desk's journal. It publishes an immutable ``DeskState`` to a ``DeskFeed``
/// after changes, at most every `publishInterval`, and at least every `statusInterval`.
///
/// Async code talks to it only through `PollLoop.execute`; nothing here blocks the Swift
/// concurrency pool.
public final class DeskLink: DeskBackend {
    public let feed: DeskFeed
    let options: DeskOptions
    let context: ZMQContext
    let loop: PollLoop
    private let state = LoopBound<DeskLoop>()

    public init(options: DeskOptions, feed: DeskFeed = DeskFeed()) {
        self.options = options
        self.feed = feed
        context = ZMQContext()
        loop = PollLoop(name: "desk", context: context, logger: options.logger)
    }

    /// Opens the journal, connects to the node and starts the loop. Returns once it runs.
    public func start() throws {
        let options = self.options
        let feed = self.feed
        let state = self.state
        try loop.start { loop in state.set(try DeskLoop(options: options, loop: loop, feed: feed)) }
    }

    /// Closes the sockets (with their linger) and ends the thread.
    public func stop() {
        loop.shutdown()
        context.terminate()
    }

    public func submit(_ document: ReportDocument, again: Bool) async -> DeskWriteOutcome {
        let unavailable = DeskWriteOutcome.refused(
            Problem(.storageFailure, field: "desk", "the desk is shutting down; nothing was stored"),
            detail: [:])
        return await onLoop(fallback: unavailable) { desk in desk.submit(document, again: again) }
    }

    public func outcome(of id: ReportID, within timeout: Duration) async -> JSONValue? {
        await withCheckedContinuation { continuation in
            let oneShot = OneShot<JSONValue?>(continuation, fallback: nil)
            loop.execute { [state] _ in state.value?.wait(for: id, within: timeout, oneShot) }
        }
    }

    public func reportState(_ id: ReportID) async -> JSONValue? {
        await onLoop(fallback: nil) { desk in desk.reportState(id) }
    }

    /// Runs `body` on the loop thread and returns its result; `fallback` when the loop is gone.
    private func onLoop<Value: Sendable>(
        fallback: Value, _ body: @escaping @Sendable (DeskLoop) -> Value
    ) async -> Value {
        await withCheckedContinuation { continuation in
            let oneShot = OneShot(continuation, fallback: fallback)
            loop.execute { [state] _ in
                if let desk = state.value { oneShot.resume(body(desk)) }
            }
        }
    }
}
