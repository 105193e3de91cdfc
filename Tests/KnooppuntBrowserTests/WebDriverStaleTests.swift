import Foundation
import StrictJSON
import Testing

/// The browser tests' element actions against a page that replaces its elements, as the desk
/// and the screens do when they re-render live: an element id found before the re-render is
/// stale, and an action finds the element again instead of failing, a bounded number of times.
@Suite("Element actions on a page that re-renders", .serialized)
struct WebDriverStaleTests {
    static let page = """
        <!doctype html><html lang="en"><title>re-render</title>
        <input id="field" aria-label="field"><p id="note" data-state="first">first</p></html>
        """
    /// Replaces every element of the body with a new one of the same id, as a live re-render does.
    static let rerender = """
        document.body.innerHTML = '<input id="field" aria-label="field"><p id="note" tabindex="0" data-state="second">second</p>';
        document.addEventListener('keydown', (event) => { window.lastKey = event.target.id + ':' + event.key; });
        return true;
        """

    @Test("a replaced element is found again; acting on it stops after a bounded number of attempts")
    func staleElements() async throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-stale-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logs) }
        let browser = try await Browser.start(width: 800, height: 600, logs: logs)
        do {
            try await scenario(browser)
        } catch {
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    private func scenario(_ browser: Browser) async throws {
        let encoded = try #require(Self.page.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        try await browser.open("data:text/html;charset=utf-8," + encoded)
        let staleField = try await browser.element("#field")
        let staleNote = try await browser.element("#note")
        _ = try await browser.run(Self.rerender)

        // Chromedriver's answer for the old id is a stale element reference, told apart by code.
        let direct = await #expect(throws: WebDriverError.self) {
            try await browser.command("POST", "/element/\(staleField)/value", ["text": "lost"])
        }
        #expect(direct?.code == WebDriverError.staleElement, "\(String(describing: direct))")

        // The first find returns the replaced element: the action finds the new one and acts once.
        var finds = 0
        try await browser.retryingStale(
            find: {
                finds += 1
                return finds == 1 ? staleField : try await browser.element("#field")
            },
            { id in try await browser.command("POST", "/element/\(id)/value", ["text": "typed"]) })
        #expect(finds == 2)
        let value = try await browser.run("return document.getElementById('field').value;")
        #expect(value.stringValue == "typed", "typed once, into the new field")

        finds = 0
        let text = try await browser.retryingStale(
            find: {
                finds += 1
                return finds == 1 ? staleNote : try await browser.element("#note")
            },
            { id in try await browser.command("GET", "/element/\(id)/text").stringValue })
        #expect(finds == 2 && text == "second")

        // An element that is stale every time: the last stale answer is thrown, after the limit.
        finds = 0
        let bounded = await #expect(throws: WebDriverError.self) {
            try await browser.retryingStale(
                find: {
                    finds += 1
                    return staleField
                },
                { id in try await browser.command("POST", "/element/\(id)/click") })
        }
        #expect(bounded?.code == WebDriverError.staleElement)
        #expect(finds == Browser.staleElementAttempts)

        // The actions the tests use, by CSS, on the re-rendered page.
        try await browser.clear("#field")
        try await browser.type("#field", "again")
        try await browser.click("#field")
        let state = try await browser.run(
            "return [document.getElementById('field').value, document.activeElement.id];")
        #expect(state[0]?.stringValue == "again" && state[1]?.stringValue == "field")
        #expect(try await browser.text("#note") == "second")
        #expect(try await browser.attribute("#note", "data-state") == "second")
        #expect(try await browser.attribute("#note", "data-missing") == nil)
        try await browser.press("\u{E007}", on: "#note")
        let key = try await browser.run("return window.lastKey;")
        #expect(key.stringValue == "note:Enter", "the key went to the element: \(key)")
    }
}
