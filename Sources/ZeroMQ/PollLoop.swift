import CZeroMQ
import Dispatch
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

// The threading rule, in one place.
//
// libzmq sockets are not thread-safe. Every socket in Knooppunt is made and used by exactly one
// thread: a `PollLoop`, which runs one `zmq_poll` loop (like CZMQ's zloop inside a zactor). Other
// code never touches the socket: it queues work with `execute` (a bounded queue plus an eventfd
// wake-up, so the loop notices at once) and gets results back through callbacks or an
// `AsyncStream` (see `SocketActor`). No blocking libzmq call ever runs on the Swift concurrency
// pool, whose two threads on a two-core machine would otherwise stall every task.
//
// Shutdown: `stop()` asks the loop to end; it closes its sockets on its own thread (each with
// the linger it was given) and the thread finishes. The owner then calls `ZMQContext.terminate()`,
// which returns once every linger has run out; `ZMQContext.shutdown()` makes any blocking call
// return ETERM at once, so nothing waits without a bound.

/// A dedicated thread that owns ZeroMQ sockets and runs their poll loop.
public final class PollLoop: Sendable {
    /// Work queued from other threads that has not yet run; `execute` refuses beyond this.
    public static let maxQueuedWork = 65_536

    public let name: String
    public let context: ZMQContext
    let logger: Logger
    private let wakeFD: Int32
    private let inbox = Mutex(Inbox())
    private let finished = DispatchSemaphore(value: 0)

    struct Inbox {
        var work: [@Sendable (LoopContext) -> Void] = []
        var stopRequested = false
        var running = false
    }

    public init(name: String, context: ZMQContext, logger: Logger) {
        self.name = name
        self.context = context
        self.logger = logger
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(fd >= 0, "eventfd failed: errno \(errno)")
        self.wakeFD = fd
    }

    deinit { Glibc.close(wakeFD) }

    /// Starts the thread, runs `setup` on it (make and bind sockets, register handlers and timers)
    /// and returns once setup has finished; an error thrown by setup is rethrown here and the
    /// thread ends. Blocks the caller only for the duration of `setup`.
    public func start(_ setup: @escaping @Sendable (LoopContext) throws -> Void) throws {
        let ready = DispatchSemaphore(value: 0)
        let setupError = Mutex<(any Error)?>(nil)
        inbox.withLock { $0.running = true }
        let thread = Thread { [self] in
            let loop = LoopContext(loop: self)
            do {
                try setup(loop)
            } catch {
                setupError.withLock { $0 = error }
                loop.closeAll()
                ready.signal()
                finish()
                return
            }
            ready.signal()
            run(loop)
            loop.closeAll()
            finish()
        }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
        ready.wait()
        if let error = setupError.withLock({ $0 }) { throw error }
    }

    /// Queues `work` to run on the loop thread. Returns false when the loop has stopped or its
    /// queue holds ``maxQueuedWork`` items (the caller decides: retry later or report "busy").
    @discardableResult
    public func execute(_ work: @escaping @Sendable (LoopContext) -> Void) -> Bool {
        let accepted = inbox.withLock { inbox -> Bool in
            guard inbox.running, !inbox.stopRequested, inbox.work.count < Self.maxQueuedWork else {
                return false
            }
            inbox.work.append(work)
            return true
        }
        if accepted { wake() }
        return accepted
    }

    /// Asks the loop to end after its current iteration. Does not wait; see ``join(timeout:)``.
    public func stop() {
        inbox.withLock { $0.stopRequested = true }
        wake()
    }

    /// Waits until the loop thread has closed its sockets and ended. Returns false on timeout.
    @discardableResult
    public func join(timeout: Duration = .seconds(10)) -> Bool {
        let isRunning = inbox.withLock { $0.running }
        guard isRunning else { return true }
        let ms = Int(timeout.milliseconds32)
        if finished.wait(timeout: .now() + .milliseconds(ms)) == .timedOut { return false }
        finished.signal()  // let other joiners through too
        return true
    }

    /// Stops and joins.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(10)) -> Bool {
        stop()
        return join(timeout: timeout)
    }

    public var isRunning: Bool { inbox.withLock { $0.running } }

    private func finish() {
        inbox.withLock {
            $0.running = false
            $0.work.removeAll()
        }
        finished.signal()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    private func drainWake() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFD, &value, 8)
    }

    private func run(_ loop: LoopContext) {
        while true {
            let (work, stopRequested) = inbox.withLock { inbox in
                let work = inbox.work
                inbox.work.removeAll(keepingCapacity: true)
                return (work, inbox.stopRequested)
            }
            for item in work { item(loop) }
            if stopRequested || loop.stopRequested { return }

            let timeout = loop.timeUntilNextTimer()
            let ready: [PollEvents]
            do {
                ready = try loop.poll(wakeFD: wakeFD, timeout: timeout)
            } catch let error as ZMQError where error.isTerminated {
                logger.debug("poll loop ending: context terminated", metadata: ["loop": "\(name)"])
                return
            } catch {
                logger.error("poll loop failed", metadata: ["loop": "\(name)", "error": "\(error)"])
                return
            }
            if !ready.isEmpty, ready[0].contains(.readable) { drainWake() }
            loop.dispatch(ready)
            loop.runDueTimers()
        }
    }
}
