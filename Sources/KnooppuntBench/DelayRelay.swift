import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP relay on loopback that holds every byte for a fixed time in each direction: a link of
/// a given round trip between a party and the node, on a machine whose kernel has no netem.
///
/// Each route listens on its own port (127.0.0.1, chosen by the kernel) with its own one-way
/// delay; every connection accepted there is joined to a new connection to the target. One
/// thread runs `poll()` over every listener and connection (one poll loop, one thread). What
/// a side sends is read at once, stamped, and written to the other side when its delay has
/// passed, in order; a direction holding ``maximumBufferedBytes`` stops reading, so TCP's own
/// flow control pushes back on the sender instead of the relay growing without bound.
public final class DelayRelay: @unchecked Sendable {
    // @unchecked: after `start()` every field is used by the relay thread alone; `stop()`
    // only writes to the wake pipe and waits for the thread to end.

    /// Bytes one direction of one connection holds before the relay stops reading from it.
    public static let maximumBufferedBytes = 4 << 20
    /// Most bytes read from a socket at once.
    static let readChunk = 64 * 1024
    /// Longest wait in `poll()` when nothing is due (the loop also wakes for `stop()`).
    static let idleWait: Int32 = 100

    struct Route {
        let listener: Int32
        let port: UInt16
        let delayNanos: UInt64
    }

    /// Bytes on their way from one socket to another, released at their due time.
    final class Direction {
        let from: Int32
        let to: Int32
        let delayNanos: UInt64
        var chunks: [(due: UInt64, bytes: [UInt8])] = []
        /// How much of the first chunk is already written.
        var written = 0
        var buffered = 0
        var readable: Bool { buffered < DelayRelay.maximumBufferedBytes }

        init(from: Int32, to: Int32, delayNanos: UInt64) {
            self.from = from
            self.to = to
            self.delayNanos = delayNanos
        }
    }

    final class Link {
        let party: Int32
        let target: Int32
        let up: Direction
        let down: Direction
        var closed = false

        init(party: Int32, target: Int32, delayNanos: UInt64) {
            self.party = party
            self.target = target
            up = Direction(from: party, to: target, delayNanos: delayNanos)
            down = Direction(from: target, to: party, delayNanos: delayNanos)
        }
    }

    private let targetPort: UInt16
    private var routes: [Route] = []
    private var links: [Link] = []
    private var wake: [Int32] = [-1, -1]
    private let finished = DispatchSemaphore(value: 0)
    private var running = false
    /// Connections accepted over the relay's life (for the report).
    public private(set) var accepted = 0

    /// A relay to 127.0.0.1:`targetPort`.
    public init(targetPort: UInt16) throws {
        self.targetPort = targetPort
        guard pipe(&wake) == 0 else { throw BenchError("delay relay: pipe failed (errno \(errno))") }
        for fd in wake { Self.nonBlocking(fd) }
    }

    deinit {
        for fd in wake where fd >= 0 { close(fd) }
    }

    /// Adds a route whose connections are delayed by `oneWay` each way (half the round trip);
    /// returns the port to connect to. Call before `start()`.
    public func addRoute(oneWay: Duration) throws -> UInt16 {
        precondition(!running, "routes are added before the relay starts")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("delay relay: socket failed (errno \(errno))") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw BenchError("delay relay: bind/listen failed (errno \(errno))")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        Self.nonBlocking(fd)
        let port = UInt16(bigEndian: local.sin_port)
        let nanos =
            UInt64(oneWay.components.seconds) * 1_000_000_000
            + UInt64(oneWay.components.attoseconds / 1_000_000_000)
        routes.append(Route(listener: fd, port: port, delayNanos: nanos))
        return port
    }

    public func start() {
        running = true
        let thread = Thread { [self] in
            defer { finished.signal() }
            run()
        }
        thread.name = "delay-relay"
        thread.start()
    }

    /// Stops the relay thread and closes every socket.
    public func stop() {
        guard running else { return }
        var byte: UInt8 = 1
        _ = write(wake[1], &byte, 1)
        finished.wait()
        running = false
    }

    // MARK: The loop

    private func run() {
        var stopping = false
        while !stopping {
            let now = NodeBenchmark.nanos()
            for link in links where !link.closed {
                flush(link.up, link, now: now)
                flush(link.down, link, now: now)
            }
            links.removeAll { link in
                if link.closed {
                    close(link.party)
                    close(link.target)
                }
                return link.closed
            }
            // The links polled now; those accepted below join the next round.
            let polled = links
            var fds = [pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)]
            fds += routes.map { pollfd(fd: $0.listener, events: Int16(POLLIN), revents: 0) }
            for link in polled {
                // A due chunk still here could not be written: wait for room on its socket.
                func events(reading: Direction, writing: Direction) -> Int16 {
                    var events: Int16 = reading.readable ? Int16(POLLIN) : 0
                    if let first = writing.chunks.first, first.due <= now { events |= Int16(POLLOUT) }
                    return events
                }
                fds.append(
                    pollfd(fd: link.party, events: events(reading: link.up, writing: link.down), revents: 0))
                fds.append(
                    pollfd(fd: link.target, events: events(reading: link.down, writing: link.up), revents: 0))
            }
            let nextDue = links.flatMap { [$0.up.chunks.first?.due, $0.down.chunks.first?.due] }
                .compactMap { $0 }.min()
            var wait = Self.idleWait
            if let nextDue {
                wait = nextDue <= now ? 0 : min(wait, Int32((nextDue - now + 999_999) / 1_000_000))
            }
            let ready = poll(&fds, nfds_t(fds.count), wait)
            guard ready >= 0 || errno == EINTR else { break }
            if fds[0].revents != 0 { stopping = true }
            for (index, route) in routes.enumerated() where fds[1 + index].revents & Int16(POLLIN) != 0 {
                acceptAll(route)
            }
            var position = 1 + routes.count
            for link in polled {
                for direction in [link.up, link.down] {
                    let events = fds[position].revents
                    position += 1
                    guard !link.closed, events & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { continue }
                    read(direction, link, now: NodeBenchmark.nanos())
                }
            }
        }
        for link in links {
            close(link.party)
            close(link.target)
        }
        for route in routes { close(route.listener) }
        links.removeAll()
    }

    private func acceptAll(_ route: Route) {
        while true {
            let party = accept(route.listener, nil, nil)
            guard party >= 0 else { return }
            guard let target = connectTarget() else {
                close(party)
                continue
            }
            Self.nonBlocking(party)
            Self.noDelay(party)
            links.append(Link(party: party, target: target, delayNanos: route.delayNanos))
            accepted += 1
        }
    }

    /// A blocking connect on loopback (immediate), then non-blocking like every relay socket.
    private func connectTarget() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = Self.loopback(port: targetPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        Self.nonBlocking(fd)
        Self.noDelay(fd)
        return fd
    }

    private func read(_ direction: Direction, _ link: Link, now: UInt64) {
        var buffer = [UInt8](repeating: 0, count: Self.readChunk)
        while direction.readable {
            let count = buffer.withUnsafeMutableBytes { recv(direction.from, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                direction.chunks.append((now + direction.delayNanos, Array(buffer[0..<count])))
                direction.buffered += count
                continue
            }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            // End of stream or an error: the party (or the node) went away; so does the link.
            link.closed = true
            return
        }
    }

    private func flush(_ direction: Direction, _ link: Link, now: UInt64) {
        while let first = direction.chunks.first, first.due <= now {
            let remaining = first.bytes.count - direction.written
            let sent = first.bytes.withUnsafeBytes {
                send(direction.to, $0.baseAddress! + direction.written, remaining, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                link.closed = true
                return
            }
            direction.written += sent
            direction.buffered -= sent
            guard direction.written == first.bytes.count else { return }
            direction.chunks.removeFirst()
            direction.written = 0
        }
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func nonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    static func noDelay(_ fd: Int32) {
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }
}
