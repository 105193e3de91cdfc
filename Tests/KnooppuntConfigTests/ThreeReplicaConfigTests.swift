import Foundation
import KnooppuntConfig
import KnooppuntProtocol
import StrictJSON
import Testing

@Suite("network.json and the hosts file with a third replica")
struct ThreeReplicaConfigTests {
    static func folder() -> DataFolder {
        DataFolder(
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "knooppunt-third-\(UUID().uuidString)"
            )
            .path)
    }

    @Test("a local network of three replicas names them in order, on ports 20 apart, and loads back the same")
    func localThree() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        let written = try folder.prepareLocalNetwork(basePort: 7400, chp: false, standby: true, third: true)
        #expect(written.nodes.map(\.role) == [.primary, .backup, .third])
        #expect(written.third?.endpoint == "tcp://127.0.0.1:7422")
        let loaded = try NetworkConfig.load(from: folder.networkFile)
        #expect(loaded.nodes.map(\.role) == [.primary, .backup, .third])
        #expect(loaded.node(.third) == written.third)
        #expect(folder.folder(of: .third).lastPathComponent == "node-third")
        #expect(folder.folder(of: .backup).lastPathComponent == "node-backup")
    }

    @Test("a two-node network.json is written without a third key and loads with none")
    func twoNodesUnchanged() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        _ = try folder.prepareLocalNetwork(basePort: 7400, chp: false, standby: true)
        let text = try String(contentsOf: folder.networkFile, encoding: .utf8)
        #expect(!text.contains("third"))
        let loaded = try NetworkConfig.load(from: folder.networkFile)
        #expect(loaded.third == nil && loaded.node(.third) == nil)
        #expect(loaded.nodes.map(\.role) == [.primary, .backup])
    }

    @Test("a third node without a backup is refused with the file's name")
    func thirdNeedsBackup() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder.root.path) }
        let network = try folder.prepareLocalNetwork(basePort: 7400, chp: false, standby: true, third: true)
        var value = try #require(network.json.objectValue)
        var node = try #require(value["node"]?.objectValue)
        node["backup"] = .null
        value["node"] = .object(node)
        try Data((JSONWriter.pretty(.object(value)) + "\n").utf8).write(to: folder.networkFile)
        #expect {
            try NetworkConfig.load(from: folder.networkFile)
        } throws: { error in
            "\(error)".contains(folder.networkFile.path)
                && "\(error)".contains("node.third needs node.backup")
        }
    }

    @Test("the hosts file names a third replica on its own host; a backup alone or a third alone is refused")
    func hostsThird() throws {
        let file = try HostsFile.parse(
            ["primary": ["host": "a"], "backup": ["host": "b"], "third": ["host": "c", "port": 9000]],
            source: "hosts.yaml")
        #expect(file.third?.endpoint == "tcp://c:9000")
        #expect(file.third?.bind == "tcp://*:9000")
        #expect {
            try HostsFile.parse(["primary": ["host": "a"], "backup": ["host": "b"]], source: "hosts.yaml")
        } throws: { error in
            "\(error)".contains("backup needs a third") && "\(error)".contains("hosts.backupWithoutThird")
        }
        #expect {
            try HostsFile.parse(["primary": ["host": "a"], "third": ["host": "c"]], source: "hosts.yaml")
        } throws: { error in
            "\(error)".hasPrefix("hosts.yaml: ") && "\(error)".contains("third needs a backup")
        }
    }
}
