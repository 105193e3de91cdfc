import Foundation
import KnooppuntHarness
import Testing

/// The members' command lines, without starting etcd (the real members run in
/// KnooppuntEtcdTests and the quorum test in KnooppuntSystemTests).
@Suite("etcd cluster layout")
struct EtcdClusterTests {
    @Test(
        "three members: distinct loopback ports, data folders inside the cluster's folder, one initial cluster naming all, the quota when asked"
    )
    func commandLines() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-etcd-layout-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = try EtcdCluster(
            folder: folder, quotaBackendBytes: 4_096_000, binary: URL(fileURLWithPath: "/bin/true"))
        #expect(cluster.members.count == EtcdCluster.defaultMemberCount)
        let ports = cluster.members.flatMap { [$0.clientPort, $0.peerPort] }
        #expect(Set(ports).count == 6)
        #expect(cluster.clientURLs.allSatisfy { $0.hasPrefix("http://127.0.0.1:") })
        for (index, member) in cluster.members.enumerated() {
            let arguments = cluster.arguments(index)
            func value(_ flag: String) -> String? {
                arguments.firstIndex(of: flag).map { arguments[$0 + 1] }
            }
            #expect(member.dataFolder.path.hasPrefix(folder.path))
            #expect(value("--data-dir") == member.dataFolder.path)
            #expect(value("--listen-client-urls") == member.clientURL)
            #expect(value("--listen-peer-urls") == member.peerURL)
            #expect(value("--quota-backend-bytes") == "4096000")
            let initial = value("--initial-cluster")?.split(separator: ",").map(String.init) ?? []
            #expect(initial == cluster.members.map { "\($0.name)=\($0.peerURL)" })
        }
        let plain = try EtcdCluster(folder: folder, count: 1, binary: URL(fileURLWithPath: "/bin/true"))
        #expect(!plain.arguments(0).contains("--quota-backend-bytes"))
    }

    @Test("a member that exits at once fails the start at once, naming the member and how it ended")
    func memberThatExitsFailsFast() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-etcd-exit-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = try EtcdCluster(folder: folder, count: 1, binary: URL(fileURLWithPath: "/bin/false"))
        let began = ContinuousClock.now
        let error = #expect(throws: HarnessError.self) { try cluster.start(timeout: .seconds(60)) }
        #expect(
            error?.description.hasPrefix("etcd1 exited (status 1)") == true, "\(String(describing: error))")
        // Far less than the start timeout: the exit is seen, not waited out.
        #expect(ContinuousClock.now - began < .seconds(30))
    }
}
