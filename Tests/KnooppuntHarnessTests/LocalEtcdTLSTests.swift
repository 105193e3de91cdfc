import Foundation
import KnooppuntConfig
import KnooppuntHarness
import Testing

@Suite("the local etcd members' TLS")
struct LocalEtcdTLSTests {
    @Test(
        "a new folder gets TLS material once and keeps it; a folder whose members ran without TLS stays on plain HTTP",
        .enabled(
            if: EtcdCluster.installedBinary() != nil || ProcessInfo.processInfo.environment["CI"] == "true",
            "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"))
    func materialForNewAndOldFolders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-local-tls-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let fresh = DataFolder(root.appendingPathComponent("new").path)
        let tls = try #require(try LocalEtcd.material(fresh))
        #expect(tls.members.count == EtcdCluster.defaultMemberCount)
        let authority = try Data(contentsOf: tls.authorityFile)
        for role in ["primary", "backup", "third"] {
            let client = fresh.keysFolder.appendingPathComponent("etcd/client-\(role).pem")
            #expect(FileManager.default.fileExists(atPath: client.path), "\(role)")
        }
        // Started again: the same CA, so members and replicas keep trusting each other.
        try FileManager.default.createDirectory(
            at: LocalEtcd.folder(fresh).appendingPathComponent("etcd1.etcd"),
            withIntermediateDirectories: true)
        let again = try #require(try LocalEtcd.material(fresh))
        #expect(try Data(contentsOf: again.authorityFile) == authority)
        let cluster = try LocalEtcd.cluster(fresh, basePort: 30_000)
        #expect(cluster.clientURLs.allSatisfy { $0.hasPrefix("https://127.0.0.1:") })
        #expect(cluster.arguments(0).contains("--client-cert-auth"))

        let old = DataFolder(root.appendingPathComponent("old").path)
        try FileManager.default.createDirectory(
            at: LocalEtcd.folder(old).appendingPathComponent("etcd1.etcd"), withIntermediateDirectories: true)
        #expect(try LocalEtcd.material(old) == nil)
        #expect(
            try LocalEtcd.cluster(old, basePort: 30_000).clientURLs.allSatisfy { $0.hasPrefix("http://") })
    }
}
