import AsyncHTTPClient
import Foundation

/// The status code of one plain `GET` on a local HTTP endpoint, with AsyncHTTPClient's shared
/// client, waiting on the calling thread (the harness's own, never an event loop's) for at
/// most `timeout`.
enum HTTPStatus {
    static func get(host: String, port: Int, path: String, timeout: Duration) throws -> Int {
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: "http://\(host):\(port)\(path)", method: .GET)
        } catch {
            throw HarnessError("not a URL: http://\(host):\(port)\(path)")
        }
        do {
            let response = try HTTPClient.shared.execute(
                request: request,
                // NIO's deadlines count on the same clock as DispatchTime.
                deadline: .uptimeNanoseconds(
                    DispatchTime.now().uptimeNanoseconds + UInt64(timeout / .nanoseconds(1)))
            )
            .wait()
            return Int(response.status.code)
        } catch {
            throw HarnessError("no answer from \(host):\(port): \(error)")
        }
    }
}
