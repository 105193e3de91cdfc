import AsyncHTTPClient
import Foundation
import StrictJSON

/// HTTP on loopback, for WebDriver and the screens' own endpoints, with AsyncHTTPClient's
/// shared client: its event loops do the waiting, so no thread of the Swift concurrency pool is
/// held while chromedriver or a screen works on an answer.
enum HTTP {
    /// How long one exchange may take, answer included. Generous: on a busy 2-core machine
    /// chromedriver can take many seconds to start a browser or to take a screenshot.
    static let requestTimeout: Duration = .seconds(60)

    struct Reply {
        let status: Int
        let body: [UInt8]
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    static func request(
        _ method: String, _ url: String, json: JSONValue? = nil, headers: [String: String] = [:]
    ) async throws -> Reply {
        var request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: .init(rawValue: method))
        } catch {
            throw TestFailure("not an HTTP URL: \(url)")
        }
        // One request per connection: the tests stop and restart the processes they talk to,
        // and a pooled connection to a process that just ended would fail the next request.
        request.headers.add(name: "Connection", value: "close")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            request.headers.add(name: name, value: value)
        }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(JSONWriter.canonical(json))
        }
        let response: HTTPClient.Response
        do {
            response = try await HTTPClient.shared.execute(
                request: request,
                // NIO's deadlines count on the same clock as DispatchTime.
                deadline: .uptimeNanoseconds(
                    DispatchTime.now().uptimeNanoseconds + UInt64(requestTimeout / .nanoseconds(1)))
            ).get()
        } catch {
            throw TestFailure("\(method) \(url): no answer: \(error)")
        }
        return Reply(
            status: Int(response.status.code), body: response.body.map { Array($0.readableBytesView) } ?? [])
    }

    static func get(_ url: String) async throws -> Reply { try await request("GET", url) }
}
