import Foundation

/// Asks a local HTTP endpoint (`/readyz`, `/healthz`) whether it answers 200, for tools that
/// supervise processes from a plain thread (`knooppunt cluster` waiting for the desk).
/// Blocking, bounded by `timeout`; never call it on the Swift concurrency pool.
public enum HTTPProbe {
    /// True when `GET path` on `host:port` answers with status 200 within `timeout`.
    public static func isOK(
        host: String = "127.0.0.1", port: Int, path: String = "/readyz", timeout: Duration = .seconds(1)
    ) -> Bool {
        (try? status(host: host, port: port, path: path, timeout: timeout)) == 200
    }

    /// The status code of `GET path`, or an error when nothing answers in time.
    public static func status(host: String, port: Int, path: String, timeout: Duration) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProbeError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let micros = max(
            1_000,
            Int(timeout.components.seconds * 1_000_000 + timeout.components.attoseconds / 1_000_000_000_000))
        var limit = timeval(tv_sec: micros / 1_000_000, tv_usec: Int(micros % 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
            throw ProbeError("\(host) is not an IPv4 address")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw ProbeError("nothing listens on \(host):\(port)") }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n"
        guard request.withCString({ send(fd, $0, strlen($0), 0) }) > 0 else {
            throw ProbeError("send failed")
        }
        // The status line is all we need: "HTTP/1.1 200 OK".
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 12 else { throw ProbeError("no answer from \(host):\(port)") }
        let line = String(decoding: buffer[0..<count], as: UTF8.self)
        guard line.hasPrefix("HTTP/1."), let code = Int(line.dropFirst(9).prefix(3)) else {
            throw ProbeError("not an HTTP answer from \(host):\(port)")
        }
        return code
    }

    public struct ProbeError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
