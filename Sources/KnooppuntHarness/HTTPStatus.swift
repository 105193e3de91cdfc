import Foundation

/// The status code of one plain `GET` on a local HTTP endpoint, over a blocking socket with a
/// bounded wait (the harness runs on its own thread; no HTTP client library needed).
enum HTTPStatus {
    static func get(host: String, port: Int, path: String, timeout: Duration) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
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
            throw HarnessError("\(host) is not an IPv4 address")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HarnessError("nothing listens on \(host):\(port)") }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n"
        guard request.withCString({ send(fd, $0, strlen($0), 0) }) > 0 else {
            throw HarnessError("send failed")
        }
        // The status line is all we need: "HTTP/1.1 200 OK".
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 12 else { throw HarnessError("no answer from \(host):\(port)") }
        let line = String(decoding: buffer[0..<count], as: UTF8.self)
        guard line.hasPrefix("HTTP/1."), let code = Int(line.dropFirst(9).prefix(3)) else {
            throw HarnessError("not an HTTP answer from \(host):\(port)")
        }
        return code
    }
}
