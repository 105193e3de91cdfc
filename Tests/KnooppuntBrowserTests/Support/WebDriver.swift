import Foundation
import StrictJSON

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
            throw WebDriverError(
                method: method, path: path, code: value["error"]?.stringValue ?? "HTTP \(reply.status)",
                message: value["message"]?.stringValue ?? "")
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
        try await onElement(css, "POST", "/click")
    }

    /// Types into an element (WebDriver key codes: "\u{E009}" Control, "\u{E007}" Enter).
    func type(_ css: String, _ text: String) async throws {
        try await onElement(css, "POST", "/value", ["text": .string(text)])
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
        try await onElement(css, "POST", "/clear")
    }

    /// The text of the element `css` finds, as the page shows it.
    func text(_ css: String) async throws -> String {
        try await onElement(css, "GET", "/text").stringValue ?? ""
    }

    /// An attribute of the element `css` finds; nil when it has none.
    func attribute(_ css: String, _ name: String) async throws -> String? {
        try await onElement(css, "GET", "/attribute/\(name)").stringValue
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
