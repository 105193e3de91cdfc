import Foundation

/// SIGINT/SIGTERM as a flag the supervisor's loop checks (signal sources, not `signal()`
/// handlers: the runtime blocks signals in threads, and a source receives them reliably).
final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [any DispatchSourceSignal] = []

    init(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                self?.lock.lock()
                self?.received = number
                self?.lock.unlock()
            }
            source.resume()
            sources.append(source)
        }
    }

    var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }
}
