import Foundation
import StrictJSON

/// An error answer from chromedriver, with the W3C error code ("stale element reference",
/// "no such element", …) kept apart so callers can tell the kinds apart.
struct WebDriverError: Error, CustomStringConvertible {
    /// The W3C code for an element the page has replaced or removed since it was found.
    static let staleElement = "stale element reference"

    let method: String
    let path: String
    let code: String
    let message: String

    var description: String { "WebDriver \(method) \(path): \(code) \(message)" }
}

extension Browser {
    /// How often an element action finds its element again after WebDriver answered "stale
    /// element reference". The desk and the screens re-render live parts of the page as reports
    /// arrive, so an element found by CSS can be replaced before the action reaches it; the
    /// replacement is there at once (a re-render is one synchronous step in the page). A few
    /// attempts cover a burst of updates; a page that replaces it more often still is a fault.
    static let staleElementAttempts = 5
    /// The pause before finding the element again: lets a burst of re-renders settle.
    static let staleElementPause: Duration = .milliseconds(100)

    /// Sends `method` to `/element/<id><action>` for the element `css` finds, finding it again
    /// when the page replaced it in between.
    @discardableResult
    func onElement(
        _ css: String, _ method: String, _ action: String, _ body: JSONValue? = nil
    )
        async throws -> JSONValue
    {
        try await retryingStale(find: { try await self.element(css) }) { id in
            try await self.command(method, "/element/\(id)\(action)", body)
        }
    }

    /// Focuses the element `css` finds and presses `key` (a WebDriver key code: "\u{E007}"
    /// Enter) in it, in one WebDriver command: focusing it with a script and pressing the key
    /// afterwards would lose the key when a live re-render replaces the element in between.
    func press(_ key: String, on css: String) async throws {
        try await onElement(css, "POST", "/value", ["text": .string(key)])
    }

    /// Finds an element with `find` and runs `act` on its id; when WebDriver answers "stale
    /// element reference", finds it again and retries, at most ``staleElementAttempts`` times in
    /// all. Any other error, or the last stale one, is thrown. Acting on a stale element has no
    /// effect in the page (WebDriver checks before it acts), so a retry never acts twice.
    @discardableResult
    func retryingStale<T>(
        find: () async throws -> String, _ act: (String) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            let id = try await find()
            do {
                return try await act(id)
            } catch let error as WebDriverError
                where error.code == WebDriverError.staleElement && attempt < Self.staleElementAttempts
            {
                attempt += 1
                try await Task.sleep(for: Self.staleElementPause)
            }
        }
    }
}
