import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@Suite struct ScratchProbe {
    func probe(_ name: String, _ bytes: [UInt8]) {
        let start = Date()
        do {
            let v = try DocumentReader.read(bytes)
            print("PROBE \(name): ok \(String(describing: v).prefix(80)) \(Date().timeIntervalSince(start))s")
        } catch {
            print("PROBE \(name): \(error.first) \(Date().timeIntervalSince(start))s")
        }
    }
    @Test func bom() {
        probe("bom-json", [0xEF, 0xBB, 0xBF] + Array("{\"type\":\"ack\"}".utf8))
        probe("bom-yaml", [0xEF, 0xBB, 0xBF] + Array("type: ack\n".utf8))
    }
    @Test func laughs() {
        var y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...7 { y += "a\(i): &a\(i) [" + Array(repeating: "*a\(i-1)", count: 10).joined(separator: ",") + "]\n" }
        probe("laughs7", Array(y.utf8))
    }
    @Test func deepFlow() {
        for n in [100, 1000, 5000] {
            probe("deep-flow-\(n)", Array((String(repeating: "[", count: n) + String(repeating: "]", count: n)).utf8))
        }
    }
    @Test func deepBlock() {
        for n in [100, 1000, 5000] {
            probe("deep-block-\(n)", Array((String(repeating: "- ", count: n) + "x\n").utf8))
        }
    }
}
