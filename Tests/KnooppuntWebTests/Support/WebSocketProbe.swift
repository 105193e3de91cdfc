import Foundation

/// The smallest WebSocket client that can read what a server sends first: an HTTP upgrade on
/// a plain socket, then one unmasked text frame (RFC 6455). Runs on its own thread, so the
/// blocking reads never occupy the Swift concurrency pool.
enum WebSocketProbe {
    static func firstText(
        host: String = "127.0.0.1", port: Int, path: String, headers: [String: String] = [:]
    ) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(
                        returning: try read(host: host, port: port, path: path, headers: headers))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func read(
        host: String, port: Int, path: String, headers: [String: String]
    ) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestError("connect failed") }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + headers.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var buffer: [UInt8] = []
        func fill(_ count: Int) throws {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while buffer.count < count {
                let n = recv(fd, &chunk, chunk.count, 0)
                guard n > 0 else { throw TestError("connection closed after \(buffer.count) bytes") }
                buffer += chunk[0..<n]
            }
        }
        // The upgrade answer ends with an empty line.
        while true {
            try fill(buffer.count + 1)
            if let end = String(decoding: buffer, as: UTF8.self).range(of: "\r\n\r\n") {
                let head = String(decoding: buffer, as: UTF8.self)[..<end.lowerBound]
                guard head.hasPrefix("HTTP/1.1 101") else { throw TestError("no upgrade: \(head)") }
                buffer = Array(buffer[(head.utf8.count + 4)...])
                break
            }
        }
        try fill(2)
        var length = Int(buffer[1] & 0x7F)
        var offset = 2
        if length == 126 {
            try fill(4)
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            offset = 4
        } else if length == 127 {
            try fill(10)
            length = (2..<10).reduce(0) { $0 << 8 | Int(buffer[$1]) }
            offset = 10
        }
        guard buffer[0] & 0x0F == 1 else { throw TestError("not a text frame: \(buffer[0])") }
        try fill(offset + length)
        return String(decoding: buffer[offset..<(offset + length)], as: UTF8.self)
    }
}
