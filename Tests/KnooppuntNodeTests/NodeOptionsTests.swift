import Foundation
import KnooppuntConfig
import KnooppuntHarness
import KnooppuntNode
import KnooppuntProtocol
import Logging
import Testing

/// Settings under which the node would drop answers are refused before anything is bound.
@Suite("Node options")
struct NodeOptionsTests {
    @Test(
        "a send high-water mark below a window of ACKs plus headroom is refused; the minimum and the default start"
    )
    func sendQueueHoldsAWindowOfAcks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-options-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = DataFolder(root.path)
        let base = try #require(LocalNetworkLayout.freeBasePort(standby: false, chp: false))
        var options = NodeOptions(
            folder: folder, network: try folder.prepareLocalNetwork(basePort: base, chp: false),
            logger: Logger(label: "node"))
        #expect(
            NodeOptions.minimumSendHighWaterMark == Int32(WireLimits.largestWindow + NodeOptions.sendHeadroom)
        )
        try options.validate()
        options.sendHighWaterMark = 50
        #expect(throws: ConfigError.self) { try options.validate() }
        #expect(throws: ConfigError.self) { _ = try NodeServer(options: options) }
        options.sendHighWaterMark = NodeOptions.minimumSendHighWaterMark
        try options.validate()
    }
}
