import Foundation
import KnooppuntCertificates
import KnooppuntCore
import KnooppuntEtcd
import KnooppuntHarness
import Testing

/// Real etcd is needed: without the binary the tests are skipped on a developer's machine and
/// fail in CI (`CI=true`), where scripts/setup.sh must have installed it.
let etcdRunnable =
    EtcdCluster.installedBinary() != nil || ProcessInfo.processInfo.environment["CI"] == "true"
let etcdMissing = "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"

/// Runs blocking harness work (starting members, waiting for health) on a thread of its own,
/// so the two threads of the concurrency pool stay free for the HTTP client.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// A started cluster of `count` members in a fresh folder, and a client of all of them.
func startCluster(
    _ name: String, count: Int = 1, quotaBackendBytes: Int? = nil
) async throws -> (
    EtcdCluster, EtcdClient
) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "knooppunt-etcd-\(name)-\(UUID().uuidString.prefix(8))")
    let cluster = try EtcdCluster(folder: folder, count: count, quotaBackendBytes: quotaBackendBytes)
    do {
        try await offPool { try cluster.start() }
    } catch {
        Issue.record("etcd did not start: \(cluster.logText(0).suffix(2_000))")
        throw error
    }
    let client = EtcdClient(endpoints: cluster.clientURLs)
    // The client's first call also opens its connection; a status answered first keeps that
    // out of what a test measures, so a write is not timed out and sent twice while the
    // connection forms on a busy machine.
    _ = try await client.status()
    return (cluster, client)
}

/// Runs `body` against a started cluster and stops it afterwards, also when `body` throws.
func withCluster(
    _ name: String, count: Int = 1, quotaBackendBytes: Int? = nil,
    _ body: (EtcdCluster, EtcdClient) async throws -> Void
) async throws {
    let (cluster, client) = try await startCluster(name, count: count, quotaBackendBytes: quotaBackendBytes)
    do {
        try await body(cluster, client)
    } catch {
        try await tearDown(cluster)
        throw error
    }
    try await tearDown(cluster)
}

/// Stops the members and removes their folder.
func tearDown(_ cluster: EtcdCluster) async throws {
    try await offPool {
        cluster.stopAll()
        try? FileManager.default.removeItem(at: cluster.folder)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A replica's client material from the files `EtcdTLSFiles.prepare` wrote: the CA, and the
/// certificate and key of `client`.
func clientTLS(_ files: EtcdTLSFiles, _ client: String) -> EtcdTLS {
    EtcdTLS(
        authorityFile: files.authorityCertificate.path,
        certificateFile: files.clientCertificate(client).path, keyFile: files.clientKey(client).path)
}

extension EtcdClient {
    /// One fenced commit as the replicated node will send it: the fence's compares and puts,
    /// its reads on failure, and the answer in the fence's terms.
    func run(_ commit: Fence.Commit) async throws -> Fence.Answer {
        let compares = commit.compares.map { compare in
            EtcdCompare(
                key: compare.key,
                compare.target == .createRevision
                    ? .createRevision(compare.value) : .modRevision(compare.value),
                compare.relation == .greater ? .greater : .equal)
        }
        let answer = try await txn(
            compare: compares, success: commit.puts.map { .put(key: $0.key, value: $0.value) },
            failure: commit.reads.map { .range(.key($0)) })
        return Fence.Answer(
            succeeded: answer.succeeded, revision: answer.revision,
            electionCreateRevision: answer.keyValues(at: 0)?.first?.createRevision ?? 0,
            lastEntryModRevision: answer.keyValues(at: 1)?.first?.modRevision ?? 0)
    }
}
