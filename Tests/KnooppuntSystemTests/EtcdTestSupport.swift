import Foundation
import KnooppuntHarness
import Synchronization

/// Real etcd is needed by the quorum's tests: skipped without it on a developer's machine,
/// a failure in CI (where scripts/setup.sh installs Debian's etcd-server).
let etcdRunnable =
    EtcdCluster.installedBinary() != nil || ProcessInfo.processInfo.environment["CI"] == "true"

/// Blocking harness work on a thread of its own, off the concurrency pool the etcd client needs.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// Runs an etcd call from a harness thread (a test's body blocks there; the client is async).
func blockingEtcdCall<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}
