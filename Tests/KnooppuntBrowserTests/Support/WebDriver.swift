import Foundation
import StrictJSON

/// Plain HTTP/1.1 on loopback, for WebDriver and the screens' own endpoints: one request per
/// connection (`Connection: close`) on a thread of its own, so blocking reads never occupy the
/// Swift concurrency pool. (FoundationNetworking on Linux cannot read chromedriver's answers.)
enum HTTP {
    struct Reply {
        let status: Int
        let body: [UInt8]
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    static func request(
        _ method: String, _ url: String, json: JSONValue? = nil, headers: [String: String] = [:]
    ) async throws -> Reply {
        guard let components = URLComponents(string: url), let host = components.host,
            let port = components.port
        else { throw TestFailure("not a loopback URL: \(url)") }
        let path =
            (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
            + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        let body = json.map { JSONWriter.canonical($0) } ?? []
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        head += "Accept: application/json\r\nContent-Length: \(body.count)\r\n"
        if json != nil { head += "Content-Type: application/json\r\n" }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try exchange(host: host, port: port, request))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func get(_ url: String) async throws -> Reply { try await request("GET", url) }

    private static func exchange(host: String, port: Int, _ request: [UInt8]) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to \(host):\(port)") }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw TestFailure("send failed") }
            sent += n
        }
        // Read the head, then exactly the body it announces: a server may keep the
        // connection open despite "Connection: close".
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        func more() throws -> Bool {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { return false }
            guard n > 0 else { throw TestFailure("no answer from \(host):\(port)") }
            response += chunk[0..<n]
            return true
        }
        var end: Int?
        while end == nil {
            guard try more() else { throw TestFailure("\(host):\(port) closed before answering") }
            end = headEnd(response)
        }
        let head = String(decoding: response[0..<end!], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        func header(_ name: String) -> String? {
            lines.dropFirst().first { $0.lowercased().hasPrefix(name + ":") }.map {
                String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces).lowercased()
            }
        }
        let bodyStart = end! + 4
        if let length = header("content-length").flatMap({ Int($0) }) {
            while response.count < bodyStart + length { guard try more() else { break } }
            return Reply(
                status: status, body: Array(response[bodyStart..<min(response.count, bodyStart + length)]))
        }
        if header("transfer-encoding")?.contains("chunked") == true {
            let last: [UInt8] = Array("0\r\n\r\n".utf8)
            while !(response.count >= bodyStart + 5 && Array(response.suffix(5)) == last) {
                guard try more() else { break }
            }
            return Reply(status: status, body: dechunk(Array(response[bodyStart...])))
        }
        while try more() {}
        return Reply(status: status, body: Array(response[bodyStart...]))
    }

    private static func headEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for index in 0...(data.count - 4)
        where data[index] == 13 && data[index + 1] == 10 && data[index + 2] == 13 && data[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            var lineEnd = index
            while lineEnd + 1 < data.count, !(data[lineEnd] == 13 && data[lineEnd + 1] == 10) { lineEnd += 1 }
            let sizeText =
                String(decoding: data[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else {
                break
            }
            let start = lineEnd + 2
            guard start + size <= data.count else { break }
            out += data[start..<(start + size)]
            index = start + size + 2
        }
        return out
    }
}

/// Headless Chromium driven by chromedriver over WebDriver (W3C, plain HTTP/JSON).
///
/// Chromium is started so that nothing can leave this machine: every request goes through a
/// proxy address where nothing listens, except loopback, and background services are off.
/// The tests still check the page's own network log.
final class Browser {
    let driver: Process
    let base: String
    let session: String

    static var chromium: String? { which(["chromium", "chromium-browser", "google-chrome"]) }
    static var chromedriver: String? { which(["chromedriver"]) }

    static func which(_ names: [String]) -> String? {
        for name in names {
            for folder in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
                let path = folder + "/" + name
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    static func start(width: Int, height: Int, logs: URL) async throws -> Browser {
        guard let chromium = chromium, let chromedriver = chromedriver else {
            throw TestFailure("chromium and chromedriver are needed: run scripts/browser-deps.sh")
        }
        let port = try Ports.free()
        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: chromedriver)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        let log = logs.appendingPathComponent("chromedriver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        driver.standardOutput = handle
        driver.standardError = handle
        try driver.run()
        let base = "http://127.0.0.1:\(port)"
        do {
            try await waitUntil("chromedriver", timeout: 20) {
                (try? await HTTP.get(base + "/status"))?.json["value"]?["ready"]?.boolValue == true
            }
            let arguments: [JSONValue] = [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                .string("--window-size=\(width),\(height)"), "--hide-scrollbars", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-extensions",
                "--disable-domain-reliability",
                "--disable-client-side-phishing-detection", "--metrics-recording-only", "--mute-audio",
                "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
                // Anything not on loopback goes to a proxy where nothing listens, and no name
                // but localhost resolves: a page cannot reach out, even by mistake.
                "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<local>",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost, EXCLUDE 127.0.0.1",
                "--lang=en-GB",
            ]
            let capabilities: JSONValue = [
                "capabilities": [
                    "alwaysMatch": [
                        "browserName": "chrome",
                        "goog:chromeOptions": ["binary": .string(chromium), "args": .array(arguments)],
                        "goog:loggingPrefs": ["browser": "ALL", "performance": "ALL"],
                    ]
                ]
            ]
            let reply = try await HTTP.request("POST", base + "/session", json: capabilities)
            guard let session = reply.json["value"]?["sessionId"]?.stringValue else {
                throw TestFailure(
                    "chromedriver did not start a session: \(String(decoding: reply.body, as: UTF8.self))")
            }
            let browser = Browser(driver: driver, base: base, session: session)
            try await browser.resize(width: width, height: height)
            return browser
        } catch {
            // chromedriver may ignore SIGTERM while it waits for a browser: SIGKILL it.
            kill(driver.processIdentifier, SIGKILL)
            driver.waitUntilExit()
            throw error
        }
    }

    private init(driver: Process, base: String, session: String) {
        self.driver = driver
        self.base = base
        self.session = session
    }

    func quit() async {
        _ = try? await HTTP.request("DELETE", "\(base)/session/\(session)")
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        driver.waitUntilExit()
    }

    @discardableResult
    func command(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        // JSONValue is nil-literal expressible (`nil` would become `.null`): spell it out.
        var payload: JSONValue?
        if method == "POST" { payload = .some(body ?? [:]) } else { payload = .none }
        let reply = try await HTTP.request(method, "\(base)/session/\(session)\(path)", json: payload)
        let value = reply.json["value"] ?? .null
        if reply.status >= 400 {
            throw TestFailure(
                "WebDriver \(method) \(path): \(value["error"]?.stringValue ?? "") \(value["message"]?.stringValue ?? "")"
            )
        }
        return value
    }

    func open(_ url: String) async throws { try await command("POST", "/url", ["url": .string(url)]) }

    /// Makes the page's viewport `width` × `height` (the window is that plus its frame).
    func resize(width: Int, height: Int) async throws {
        try await command(
            "POST", "/window/rect", ["width": .integer(Int64(width)), "height": .integer(Int64(height))])
        let frame = try await run(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];")
        let extraWidth = Int(frame[0]?.integerValue ?? 0)
        let extraHeight = Int(frame[1]?.integerValue ?? 0)
        guard extraWidth > 0 || extraHeight > 0 else { return }
        try await command(
            "POST", "/window/rect",
            ["width": .integer(Int64(width + extraWidth)), "height": .integer(Int64(height + extraHeight))])
    }

    /// Runs `script` (a function body) in the page and returns its result.
    func run(_ script: String, _ arguments: [JSONValue] = []) async throws -> JSONValue {
        try await command("POST", "/execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    func element(_ css: String) async throws -> String {
        let value = try await command("POST", "/element", ["using": "css selector", "value": .string(css)])
        guard let id = value.objectValue?.values.first?.stringValue else {
            throw TestFailure("no element \(css)")
        }
        return id
    }

    func click(_ css: String) async throws {
        try await command("POST", "/element/\(try await element(css))/click")
    }

    /// Types into an element (WebDriver key codes: "\u{E009}" Control, "\u{E007}" Enter).
    func type(_ css: String, _ text: String) async throws {
        try await command("POST", "/element/\(try await element(css))/value", ["text": .string(text)])
    }

    /// A real mouse click (WebDriver actions) at viewport coordinates `x`, `y` (CSS pixels).
    func clickAt(x: Int, y: Int) async throws {
        let moves: [JSONValue] = [
            [
                "type": "pointerMove", "duration": 0, "origin": "viewport", "x": .integer(Int64(x)),
                "y": .integer(Int64(y)),
            ],
            ["type": "pointerDown", "button": 0], ["type": "pointerUp", "button": 0],
        ]
        try await command(
            "POST", "/actions",
            [
                "actions": [
                    [
                        "type": "pointer", "id": "mouse", "parameters": ["pointerType": "mouse"],
                        "actions": .array(moves),
                    ]
                ]
            ])
        try await command("DELETE", "/actions")
    }

    /// Presses and releases one key (a WebDriver key code: "\u{E014}" arrow right) in the
    /// element that has the focus.
    func press(_ key: String) async throws {
        let keys: [JSONValue] = [
            ["type": "keyDown", "value": .string(key)], ["type": "keyUp", "value": .string(key)],
        ]
        try await command(
            "POST", "/actions", ["actions": [["type": "key", "id": "keyboard", "actions": .array(keys)]]])
        try await command("DELETE", "/actions")
    }

    func clear(_ css: String) async throws {
        try await command("POST", "/element/\(try await element(css))/clear")
    }

    func screenshot(to url: URL) async throws {
        let value = try await command("GET", "/screenshot")
        guard let text = value.stringValue, let data = Data(base64Encoded: text) else {
            throw TestFailure("no screenshot")
        }
        try data.write(to: url)
    }

    /// Browser log entries (console and network errors) since the last call.
    func consoleLog() async throws -> [JSONValue] {
        try await command("POST", "/se/log", ["type": "browser"]).arrayValue ?? []
    }

    /// DevTools events of the page (Network.*) since the last call.
    func performanceLog() async throws -> [JSONValue] {
        let entries = try await command("POST", "/se/log", ["type": "performance"]).arrayValue ?? []
        return entries.compactMap { entry in
            entry["message"]?.stringValue.flatMap { try? JSONParser.parse($0) }?["message"]
        }
    }

    /// Waits until `script` returns true in the page.
    func waitFor(_ what: String, timeout: Double, _ script: String) async throws {
        try await waitUntil(what, timeout: timeout) { try await run(script).boolValue == true }
    }
}

extension JSONValue {
    /// An array element, nil when out of range or not an array.
    subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
