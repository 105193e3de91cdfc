import Foundation
import Synchronization

/// Which TCP ports on loopback nothing holds yet, so parallel networks (tests, benchmarks,
/// chaos runs) do not collide.
public enum FreePorts {
    /// True when `port` on 127.0.0.1 can be bound right now.
    public static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// Ports this process already handed out: free a moment ago is not free for a second
    /// caller in the same process (tests in parallel) that has not bound them yet.
    private static let handedOut = Mutex<Set<Int>>([])

    /// The lowest port a search starts from: below it are the ports services commonly keep.
    static let lowestPort = 10_000
    /// Where the kernel's ephemeral ports start when /proc does not say (Linux's default).
    static let defaultEphemeralStart = 32_768

    /// The first port the kernel hands out as a connection's own
    /// (/proc/sys/net/ipv4/ip_local_port_range).
    static let ephemeralStart: Int = {
        guard
            let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
            let first = text.split(whereSeparator: \.isWhitespace).first.flatMap({ Int($0) })
        else { return defaultEphemeralStart }
        return first
    }()

    /// Where bases are drawn for ports spanning `span`: below the ephemeral range. A port in
    /// that range that was free at the check can be taken by any outgoing connection (etcd's
    /// members to each other, a client's to them) before the process meant to bind it does,
    /// and that process then fails to start. Only when the range starts too low to leave room
    /// is the search widened to everything above ``lowestPort``.
    static func bases(span: Int) -> Range<Int> {
        let end = ephemeralStart - span
        return end > lowestPort + 1_000 ? lowestPort..<end : lowestPort..<(65_535 - span)
    }

    /// A base port whose `offsets` are all free and not handed out before in this process,
    /// tried at random starts in ``bases(span:)`` (a random start avoids parallel runs); nil
    /// when 50 tries found none.
    public static func base(offsets: [Int]) -> Int? {
        let span = (offsets.max() ?? 0) + 1
        for _ in 0..<50 {
            let base = Int.random(in: bases(span: span))
            let ports = offsets.map { base + $0 }
            let claimed = handedOut.withLock { taken -> Bool in
                guard taken.isDisjoint(with: ports) else { return false }
                taken.formUnion(ports)
                return true
            }
            guard claimed else { continue }
            if ports.allSatisfy(isFree) { return base }
        }
        return nil
    }

    /// `count` consecutive free ports; nil when none were found.
    public static func consecutive(_ count: Int) -> Int? { base(offsets: Array(0..<count)) }
}
