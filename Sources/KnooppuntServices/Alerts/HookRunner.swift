import AsyncHTTPClient
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

    /// POSTs the alert to a loopback webhook with AsyncHTTPClient's shared client, waiting on
    /// this (the alert service's own) thread for at most `callTimeout`: 2xx is success.
    static func post(_ address: HookConfig.WebhookAddress, payload: [UInt8]) -> String? {
        do {
            var request = try HTTPClient.Request(url: address.description, method: .POST)
            request.headers.add(name: "User-Agent", value: "knooppunt-alerts")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(payload)
            let response = try HTTPClient.shared.execute(
                request: request,
                // NIO's deadlines count on the same clock as DispatchTime.
                deadline: .uptimeNanoseconds(
                    DispatchTime.now().uptimeNanoseconds
                        + UInt64(HookConfig.Limits.callTimeout / .nanoseconds(1)))
            ).wait()
            let code = Int(response.status.code)
            return (200..<300).contains(code)
                ? nil : "\(address) answered \(code) \(response.status.reasonPhrase)"
        } catch {
            return "posting to \(address) failed: \(error)"
        }
    }
}
