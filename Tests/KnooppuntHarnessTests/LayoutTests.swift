import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@testable import KnooppuntHarness

@Suite("Local network layout and ports")
struct LayoutTests {
    @Test("a pair with two regions runs both nodes, the regions, NCTV and the police")
    func pairWithTwoRegions() {
        let layout = LocalNetworkLayout(regions: 2, standby: true)
        #expect(layout.members.map(\.name) == ["primary", "backup", "VR01", "VR02", "NCTV", "POLICE"])
        #expect(layout.members[0].arguments == ["node", "--role", "primary"])
        #expect(layout.members[2].arguments == ["region", "VR01"])
        #expect(LocalNetworkLayout.daemonArguments(.nctv) == ["nctv"])
        #expect(LocalNetworkLayout.daemonArguments(.police) == ["police"])
    }

    @Test("one node alone has no backup")
    func singleNode() {
        let layout = LocalNetworkLayout(regions: [OrganisationCode("VR09")!], standby: false)
        #expect(layout.nodes.map(\.name) == ["primary"])
        #expect(layout.daemons.map(\.rawValue) == ["VR09", "NCTV", "POLICE"])
    }

    @Test("the port offsets are the ones NodeAddress.local uses, the backup's ten higher")
    func portOffsets() throws {
        #expect(LocalNetworkLayout.portOffsets(standby: false, chp: false) == [2, 3])
        #expect(LocalNetworkLayout.portOffsets(standby: true, chp: false) == [2, 3, 12, 13])
        #expect(LocalNetworkLayout.portOffsets(standby: true, chp: true) == [0, 1, 2, 3, 10, 11, 12, 13])
        let address = NodeAddress.local(base: 30_000, chp: true)
        #expect(address.endpoint == "tcp://127.0.0.1:30002")
        #expect(address.pairEndpoint == "tcp://127.0.0.1:30003")
        #expect(address.chpBasePort == 30_000)
    }

    @Test("a port someone holds is not free; a free base has every offset free")
    func portCheck() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        #expect(bound)
        let held = Int(UInt16(bigEndian: address.sin_port))
        #expect(!FreePorts.isFree(held))
        let base = try #require(LocalNetworkLayout.freeBasePort(standby: true, chp: false))
        #expect([2, 3, 12, 13].allSatisfy { FreePorts.isFree(base + $0) })
    }

    @Test(
        "ports are handed out below the kernel's ephemeral range, where no outgoing connection can take one before its process binds it"
    )
    func portsBelowEphemeral() throws {
        let start = FreePorts.ephemeralStart
        #expect(start >= 1_024)
        for _ in 0..<20 {
            let base = try #require(LocalNetworkLayout.freeBasePort(standby: true, chp: true, third: true))
            #expect(base >= FreePorts.lowestPort)
            if start > FreePorts.lowestPort + 1_100 { #expect(base + 23 < start) }
        }
        let members = try #require(FreePorts.consecutive(9))
        if start > FreePorts.lowestPort + 1_100 { #expect(members + 8 < start) }
    }

    @Test("the harness's readings of a node's STATUS: serving, convergence")
    func statusReads() throws {
        let wire: JSONValue = [
            "role": "active", "epoch": 3, "degraded": false,
            "lastSequence": 42, "pid": 4_242, "entries": 17, "publicViewHash": "abc",
            "parties": [
                "VR01": ["connected": true, "nodeViewHash": "h1", "applied": 42, "converged": true],
                "NCTV": ["connected": true, "nodeViewHash": "h2", "converged": false, "lag": 5],
            ],
            "refusals": [:], "time": 1_700_000_200_100, "security": [:],
            "audit": ["head": 40, "headHash": "ff", "checkpointed": 32, "waiting": 1],
            "policy": "sha256:1", "synchronous": 2,
            "commits": ["batches": 10, "reports": 42, "milliseconds": 55],
        ]
        let status = try #require(NodeStatus(json: wire))
        #expect(status.isActive && status.epoch == 3 && status.lastSequence == 42)
        #expect(status.converged([OrganisationCode("VR01")!]))
        #expect(!status.converged([OrganisationCode("VR01")!, OrganisationCode.nctv]))
        #expect(
            status.party(OrganisationCode.nctv)?.heard == false
                && status.party(OrganisationCode.nctv)?.lag == 5)
        #expect(status.party(OrganisationCode.police) == nil)
        #expect(DaemonStatus(["outbox": ["queued": 0]]).outboxQueued == 0)
    }
}
