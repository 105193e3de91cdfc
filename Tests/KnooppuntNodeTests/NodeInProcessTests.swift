import Foundation
import KnooppuntClient
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntNode
import KnooppuntProtocol
import Logging
import Testing
import ZeroMQ

/// The national node in this process, on real sockets and a real store in a temporary folder:
/// its control socket answers STATUS, and a reader that follows it holds its picture.
@Suite("National node in process", .serialized)
struct NodeInProcessTests {
    @Test(
        "a node alone serves: STATUS says standalone and durable (synchronous=FULL), and a reader catches up")
    func standaloneNode() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-node-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = DataFolder(root.path)
        let base = try #require(LocalNetworkLayout.freeBasePort(standby: false, chp: false))
        let network = try folder.prepareLocalNetwork(basePort: base, chp: false)
        let node = try NodeServer(
            options: NodeOptions(folder: folder, network: network, logger: Logger(label: "node")))
        try node.start()
        defer { node.stop() }

        var status: NodeStatus?
        _ = Readiness.wait(timeout: .seconds(20), interval: .milliseconds(50)) {
            status = NodeStatus.ask(folder.nodeControlEndpoint)
            return status?.isServing == true
        }
        let served = try #require(status, "the node's control socket did not answer")
        #expect(served.role == "standalone")
        #expect(served.synchronous == 2)
        #expect(served.lastSequence == 0)

        let reader = try PictureFollower(
            folder: folder, network: network, organisation: .national, role: .watch)
        defer { reader.close() }
        let deadline = ContinuousClock.now + .seconds(20)
        while !reader.isCaughtUp && ContinuousClock.now < deadline {
            try reader.poll(timeout: .milliseconds(100))
        }
        #expect(reader.isCaughtUp, "the reader did not catch up with the node")
    }
}
