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

    /// A base port whose `offsets` are all free and not handed out before in this process,
    /// tried at random starts in 20000..<60000 (a random start avoids parallel runs); nil when
    /// 50 tries found none.
    public static func base(offsets: [Int]) -> Int? {
        for _ in 0..<50 {
            let base = Int.random(in: 20_000..<60_000)
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
