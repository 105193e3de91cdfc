import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntHarness
import Testing

/// The systemd units in deploy/ held against the code: the etcd member's flags are the
/// harness's (the same timing, quota and TLS flags the tests run with), every variable a unit
/// reads is one `keys init` writes, and every file it names is where `keys` puts it.
@Suite("deploy/ units against the code")
struct DeployUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let dataFolder = "/var/lib/knooppunt"

    /// The ExecStart line of a unit, continuation lines joined, split into words.
    static func execStart(_ unit: String) throws -> [String] {
        let text = try String(
            contentsOf: repository.appendingPathComponent("deploy/systemd/\(unit)"), encoding: .utf8)
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        let line = try #require(joined.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        return line.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
    }

    /// `--flag value` pairs and bare flags (value nil) of a command line.
    static func flags(_ words: [String]) -> [String: String?] {
        var result: [String: String?] = [:]
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.hasPrefix("--") {
                let next = index + 1 < words.count ? words[index + 1] : nil
                if let next, !next.hasPrefix("--") {
                    result[word] = next
                    index += 2
                    continue
                }
                result[word] = .some(nil)
            }
            index += 1
        }
        return result
    }

    /// The `${NAME}` variables a command line reads.
    static func variables(_ words: [String]) -> Set<String> {
        Set(
            words.filter { $0.hasPrefix("${") && $0.hasSuffix("}") }.map {
                String($0.dropFirst(2).dropLast())
            })
    }

    @Test("the etcd member unit runs with the harness's flags, timing, quota and TLS files")
    func etcdUnit() throws {
        let words = try Self.execStart("knooppunt-etcd@.service")
        #expect(words.first == EtcdCluster.debianBinary)
        let unit = Self.flags(words)
        let files = EtcdTLSFiles(folder: URL(fileURLWithPath: "\(Self.dataFolder)/keys/etcd"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("knooppunt-unit-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = try EtcdCluster(
            folder: folder, count: 1, quotaBackendBytes: LocalEtcd.quotaBackendBytes,
            binary: URL(fileURLWithPath: "/bin/true"), basePort: 40_000,
            tls: EtcdCluster.TLS(
                authorityFile: files.authorityCertificate,
                members: [(files.memberCertificate("%i"), files.memberKey("%i"))]))
        let harness = Self.flags(cluster.arguments(0))
        #expect(Set(unit.keys) == Set(harness.keys))
        // The same values wherever they are not the host's own (names, URLs, folders).
        let hostOwn: Set<String> = [
            "--name", "--data-dir", "--listen-client-urls", "--advertise-client-urls", "--listen-peer-urls",
            "--initial-advertise-peer-urls", "--initial-cluster", "--initial-cluster-token",
            "--listen-metrics-urls",
        ]
        for (flag, value) in harness where !hostOwn.contains(flag) {
            #expect(
                unit[flag] == value,
                "\(flag): unit \(String(describing: unit[flag])), harness \(String(describing: value))")
        }
        #expect(unit["--initial-cluster-token"] == EtcdMemberEnvironment.clusterToken)
        #expect(unit["--data-dir"] == "\(Self.dataFolder)/etcd/%i.etcd")
    }

    @Test(
        "the replica unit runs `knooppunt node` on the members of the environment file; both units read only variables keys init writes"
    )
    func replicaUnitAndVariables() throws {
        let words = try Self.execStart("knooppunt-replica@.service")
        #expect(Array(words.prefix(2)) == ["/usr/local/bin/knooppunt", "node"])
        let flags = Self.flags(words)
        #expect(flags["--role"] == "%i" && flags["--dir"] == Self.dataFolder)
        #expect(flags["--etcd"] == "${KNOOPPUNT_ETCD_ENDPOINTS}")

        let members = ["primary", "backup", "third"].map {
            EtcdMemberHost(
                name: $0, host: "\($0).example", listen: "*", clientPort: 2379, peerPort: 2380, addresses: [])
        }
        let environment = EtcdMemberEnvironment.text(for: members[1], in: members)
        let written = Set(
            environment.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                $0.split(separator: "=", maxSplits: 1).first.map(String.init)
            })
        let read = try Self.variables(Self.execStart("knooppunt-etcd@.service")).union(Self.variables(words))
        #expect(read.isSubset(of: written), "unset: \(read.subtracting(written).sorted())")
        #expect(!written.contains { $0.hasPrefix("ETCD_") }, "etcd would read these itself")
        #expect(environment.contains("KNOOPPUNT_ETCD_METRICS=http://127.0.0.1:2381\n"))
        // The multi-host test's members use the deployment's ports.
        #expect(EtcdCluster.hostClientPort == EtcdMemberHost.defaultClientPort)
        #expect(EtcdCluster.hostPeerPort == EtcdMemberHost.defaultPeerPort)
        #expect(EtcdCluster.hostMetricsPort == EtcdMemberEnvironment.metricsPort(members[0]))
    }
}
