import Foundation
import KnooppuntServices
import KnooppuntWorkflows
import Testing

/// The notification hooks as the alert service calls them: a real command and a real webhook
/// on loopback, in process.
@Suite("Notification hooks")
struct HookRunnerTests {
    @Test("a command hook gets the alert on its standard input and the alert id in its environment")
    func commandHook() throws {
        let folder = try temporaryFolder()
        let out = folder.appendingPathComponent("alert.json").path
        let script = try executable(
            in: folder, "#!/bin/sh\ncat > \(out)\necho \"$KNOOPPUNT_ALERT_ID\" >> \(out)\n")
        let error = HookRunner.call(.command([script]), payload: Array("{\"a\":1}".utf8), id: "alert-7")
        #expect(error == nil)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written == "{\"a\":1}alert-7\n")
    }

    @Test("a command that fails or cannot run is reported, not thrown")
    func failingCommand() throws {
        let folder = try temporaryFolder()
        let script = try executable(in: folder, "#!/bin/sh\ncat > /dev/null\nexit 3\n")
        #expect(HookRunner.call(.command([script]), payload: [], id: "x") == "\(script) exited with 3")
        let missing = folder.appendingPathComponent("absent").path
        #expect(HookRunner.call(.command([missing]), payload: [], id: "x")?.hasPrefix("cannot run") == true)
    }

    @Test("a webhook on loopback is POSTed the alert; a 2xx answer is success, anything else an error")
    func webhook() throws {
        for (status, expectSuccess) in [("204 No Content", true), ("500 Internal Server Error", false)] {
            let server = try OneShotHTTPServer(status: status)
            let address = try HookConfig.webhook("http://127.0.0.1:\(server.port)/alerts")
            let error = HookRunner.call(.webhook(address), payload: Array("{\"b\":2}".utf8), id: "y")
            let request = server.request()
            #expect(request.hasPrefix("POST /alerts HTTP/1.1\r\n"))
            #expect(request.lowercased().contains("content-type: application/json\r\n"))
            #expect(request.hasSuffix("\r\n\r\n{\"b\":2}"))
            if expectSuccess {
                #expect(error == nil)
            } else {
                #expect(error?.contains("answered 500") == true)
            }
        }
    }

    @Test("the wait between attempts doubles from the first retry up to the cap")
    func backoff() {
        #expect(AlertService.backoffMs(attempts: 1) == 1_000)
        #expect(AlertService.backoffMs(attempts: 2) == 2_000)
        #expect(AlertService.backoffMs(attempts: 4) == 8_000)
        #expect(AlertService.backoffMs(attempts: 12) == 60_000)
    }
}

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "knooppunt-services-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func executable(in folder: URL, _ text: String) throws -> String {
    let url = folder.appendingPathComponent("hook-\(UUID().uuidString).sh")
    try Data(text.utf8).write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
    return url.path
}

/// Accepts one connection on loopback, reads one request, answers `status` and closes.
final class OneShotHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private var received = ""

    init(status: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let listener = self.listener
        Thread.detachNewThread { [self] in
            let connection = accept(listener, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 4096)
            var bytes: [UInt8] = []
            // Headers, then the body its Content-Length names.
            while !String(decoding: bytes, as: UTF8.self).contains("{") || bytes.last != UInt8(ascii: "}") {
                let count = recv(connection, &buffer, buffer.count, 0)
                guard count > 0 else { break }
                bytes += buffer[0..<count]
            }
            received = String(decoding: bytes, as: UTF8.self)
            let answer = Array("HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(connection)
            close(listener)
            done.signal()
        }
    }

    /// The request as it arrived (waits at most five seconds for it).
    func request() -> String {
        _ = done.wait(timeout: .now() + 5)
        return received
    }
}
