import CZeroMQ
import Logging

/// The loop thread's view of its ``PollLoop``: sockets, handlers and timers.
///
/// Use it only on the loop thread (inside `start`'s setup, handlers, timers and `execute` work).
public final class LoopContext {
    public typealias SocketHandler = (ZMQSocket, PollEvents) -> Void
    public typealias TimerHandler = () -> Void

    public struct TimerID: Hashable, Sendable {
        let value: Int
    }

    private unowned let loop: PollLoop
    private var registrations: [Registration] = [] {
        didSet { cachedPoller = nil }
    }
    // Rebuilt only when registrations change, so an idle round allocates nothing.
    private var cachedPoller: Poller?
    private var owned: [ZMQSocket] = []
    private var timers: [Timer] = []
    private var nextTimerID = 0
    private var cleanups: [() -> Void] = []
    private(set) var stopRequested = false

    private struct Registration {
        let target: Poller.Target
        var events: PollEvents
        let handler: SocketHandler?
        let fdHandler: ((Int32) -> Void)?
    }

    private struct Timer {
        let id: TimerID
        var deadline: ContinuousClock.Instant
        let interval: Duration?
        let handler: TimerHandler
    }

    init(loop: PollLoop) { self.loop = loop }

    public var context: ZMQContext { loop.context }
    public var logger: Logger { loop.logger }
    public var name: String { loop.name }
    public var now: ContinuousClock.Instant { .now }

    /// Makes a socket owned by this loop; it is closed when the loop ends.
    public func socket(_ type: SocketType, name: String) throws -> ZMQSocket {
        let socket = try ZMQSocket(context: loop.context, type: type, name: name)
        owned.append(socket)
        return socket
    }

    /// Makes the loop close `socket` when it ends (for sockets made by other calls, e.g. monitors).
    public func adopt(_ socket: ZMQSocket) {
        socket.adoptOwnership()
        owned.append(socket)
    }

    /// Calls `handler` whenever `socket` has any of `events` ready. The handler should read what
    /// is ready (a bounded batch) and return; it runs on the loop thread.
    public func register(
        _ socket: ZMQSocket, events: PollEvents = .readable, handler: @escaping SocketHandler
    ) {
        socket.checkOwner()
        registrations.removeAll {
            if case .socket(let s) = $0.target { return s === socket } else { return false }
        }
        registrations.append(
            Registration(target: .socket(socket), events: events, handler: handler, fdHandler: nil))
    }

    /// Calls `handler` when a plain file descriptor is readable.
    public func register(fileDescriptor fd: Int32, handler: @escaping (Int32) -> Void) {
        registrations.append(
            Registration(target: .fileDescriptor(fd), events: .readable, handler: nil, fdHandler: handler))
    }

    /// Changes what a registered socket waits for (e.g. add `.writable` while sends are pending).
    public func setInterest(_ socket: ZMQSocket, _ events: PollEvents) {
        for index in registrations.indices {
            if case .socket(let s) = registrations[index].target, s === socket {
                registrations[index].events = events
            }
        }
    }

    public func unregister(_ socket: ZMQSocket) {
        registrations.removeAll {
            if case .socket(let s) = $0.target { return s === socket } else { return false }
        }
    }

    /// Runs `handler` once after `delay`.
    @discardableResult
    public func after(_ delay: Duration, _ handler: @escaping TimerHandler) -> TimerID {
        addTimer(delay: delay, interval: nil, handler)
    }

    /// Runs `handler` every `interval`, first after one interval.
    @discardableResult
    public func every(_ interval: Duration, _ handler: @escaping TimerHandler) -> TimerID {
        precondition(interval > .zero, "a repeating timer needs a positive interval")
        return addTimer(delay: interval, interval: interval, handler)
    }

    public func cancel(_ id: TimerID) { timers.removeAll { $0.id == id } }

    /// Runs `cleanup` on the loop thread when the loop ends, before its sockets close.
    public func onStop(_ cleanup: @escaping () -> Void) { cleanups.append(cleanup) }

    /// Ends the loop after the current iteration (from inside a handler).
    public func stop() { stopRequested = true }

    private func addTimer(delay: Duration, interval: Duration?, _ handler: @escaping TimerHandler) -> TimerID
    {
        nextTimerID += 1
        let id = TimerID(value: nextTimerID)
        timers.append(Timer(id: id, deadline: .now + delay, interval: interval, handler: handler))
        return id
    }

    // MARK: Driven by PollLoop

    func timeUntilNextTimer() -> Duration? {
        guard let next = timers.map(\.deadline).min() else { return nil }
        let wait = ContinuousClock.now.duration(to: next)
        // Round up so we do not wake a moment early and spin.
        return wait <= .zero ? .zero : wait + .microseconds(999)
    }

    func poll(wakeFD: Int32, timeout: Duration?) throws -> [PollEvents] {
        var poller: Poller
        if let cached = cachedPoller {
            poller = cached
        } else {
            poller = Poller()
            poller.add(.fileDescriptor(wakeFD))
            for registration in registrations { poller.add(registration.target, events: registration.events) }
        }
        let ready = try poller.poll(timeout: timeout)
        cachedPoller = poller
        return ready
    }

    func dispatch(_ ready: [PollEvents]) {
        // Index 0 is the wake-up descriptor; registrations follow in order. A handler may change
        // the registrations, so work from a copy of this round's list.
        let round = registrations
        for (index, events) in ready.enumerated().dropFirst() where !events.isEmpty {
            let registration = round[index - 1]
            switch registration.target {
            case .socket(let socket):
                if !socket.isClosed { registration.handler?(socket, events) }
            case .fileDescriptor(let fd):
                registration.fdHandler?(fd)
            }
        }
    }

    func runDueTimers() {
        let now = ContinuousClock.now
        let due = timers.filter { $0.deadline <= now }.map(\.id)
        for id in due {
            guard let index = timers.firstIndex(where: { $0.id == id }) else { continue }
            let timer = timers[index]
            if let interval = timer.interval {
                // Next deadline from the planned one, but never in the past: no catch-up bursts.
                var next = timer.deadline + interval
                if next <= now { next = now + interval }
                timers[index].deadline = next
            } else {
                timers.remove(at: index)
            }
            timer.handler()
        }
    }

    func closeAll() {
        for cleanup in cleanups { cleanup() }
        cleanups.removeAll()
        registrations.removeAll()
        timers.removeAll()
        for socket in owned where !socket.isClosed { socket.close() }
        owned.removeAll()
    }
}
