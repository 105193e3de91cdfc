import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Reads an operator screen's HTTP API on loopback, as a browser on the operator's machine would.
enum ScreenClient {
    /// The personal token to send to the screen on each port (screens need a signed-in person;
    /// ``TestNetwork`` makes one when it starts a screen).
    static let tokens = Mutex<[Int: String]>([:])

    /// The body of `GET path`; throws unless the screen answers 200.
    static func get(port: Int, _ path: String) throws -> Data {
        let url = URL(string: "http://127.0.0.1:\(port)\(path)")!
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<Data, any Error> = .failure(
            TestFailure("no answer from \(url)"))
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        if let token = tokens.withLock({ $0[port] }) {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                result = .failure(error)
            } else if let status = (response as? HTTPURLResponse)?.statusCode, status != 200 {
                result = .failure(TestFailure("GET \(path) answered \(status)"))
            } else {
                result = .success(data ?? Data())
            }
            done.signal()
        }.resume()
        done.wait()
        return try result.get()
    }
}
