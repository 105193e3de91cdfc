import Foundation
import KnooppuntWorkflows

/// Calls one notification hook: runs a command with the alert JSON on stdin, or POSTs it to
/// a webhook on loopback. Blocking, bounded by `HookConfig.Limits.callTimeout`; used on the
/// alert service's own thread. Returns nil on success, else what went wrong.
public enum HookRunner {
    public static func call(_ hook: HookConfig.Hook, payload: [UInt8], id: String) -> String? {
        switch hook {
        case .command(let parts): runCommand(parts, payload: payload, id: id)
        case .webhook(let address): post(address, payload: payload)
        }
    }

    public static func describe(_ hook: HookConfig.Hook) -> String {
        switch hook {
        case .command(let parts): "command " + parts.joined(separator: " ")
        case .webhook(let address): "webhook \(address)"
        }
    }

    // MARK: Command

    static func runCommand(_ parts: [String], payload: [UInt8], id: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: parts[0])
        process.arguments = Array(parts.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["KNOOPPUNT_ALERT_ID"] = id
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "cannot run \(parts[0]): \(error.localizedDescription)"
        }
        // A hook that does not read its input must not block us: the payload fits a pipe buffer
        // (64 KiB on Linux), and we close our end right after writing.
        input.fileHandleForWriting.write(Data(payload))
        try? input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + HookConfig.Limits.callTimeout
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            Thread.sleep(forTimeInterval: 0.2)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return "\(parts[0]) did not finish within \(HookConfig.Limits.callTimeout)"
        }
        return process.terminationStatus == 0 ? nil : "\(parts[0]) exited with \(process.terminationStatus)"
    }

    // MARK: Webhook

    /// A minimal HTTP/1.1 POST over a TCP socket to a loopback address: 2xx is success.
    static func post(_ address: HookConfig.WebhookAddress, payload: [UInt8]) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address.host, String(address.port), &hints, &list) == 0, let first = list else {
            return "cannot resolve \(address.host)"
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(HookConfig.Limits.callTimeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            return "cannot connect to \(address): \(String(cString: strerror(errno)))"
        }
        let authority =
            address.host.contains(":")
            ? "[\(address.host)]:\(address.port)" : "\(address.host):\(address.port)"
        let head =
            "POST \(address.path) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: knooppunt-alerts\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let request = Array(head.utf8) + payload
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes {
                send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                return "sending to \(address) failed: \(String(cString: strerror(errno)))"
            }
            sent += written
        }
        // The status line is all we need: "HTTP/1.1 204 No Content".
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !response.contains(10) && response.count < 4096 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            response += buffer[0..<count]
        }
        let status = String(decoding: response.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = status.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else {
            return "no HTTP answer from \(address)"
        }
        return (200..<300).contains(code) ? nil : "\(address) answered \(status)"
    }
}
