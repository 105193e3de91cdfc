import Foundation
import KnooppuntChaos
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// Separate hosts need network namespaces: root and iproute2 (scripts/setup.sh installs it).
private let labUnavailable = NetworkLab.unavailableReason()

extension SystemTests {
    @Test(
        "a lab host with a default route is refused; `chaos --cleanup` removes namespaces a crashed run left",
        .enabled(if: labUnavailable == nil, "separate hosts need root and iproute2 (network namespaces)")
    )
    func labIsolationAndCleanup() throws {
        // As if its run had crashed: the lab's owner is a process that has exited.
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let lab = try NetworkLab(hosts: ["a", "b"], owner: exited.processIdentifier)
        defer { lab.cleanUp() }
        _ = try lab.run(on: "a", ["ip", "route", "add", "default", "dev", "eth0"])
        #expect(throws: ChaosError.self) { try lab.checkIsolated() }
        // A lab of a run that is still going (this test process).
        let running = try NetworkLab(hosts: ["c"])
        defer { running.cleanUp() }

        let result = try runKnooppunt(["chaos", "--cleanup"])
        #expect(result.status == 0)
        for namespace in lab.namespaces {
            #expect(result.out.contains("removed") && result.out.contains(namespace))
        }
        let left = NetworkLab.existingNamespaces()
        #expect(Set(lab.namespaces).isDisjoint(with: left))
        #expect(Set(running.namespaces).isSubset(of: left), "cleanup removed a running lab: \(result.out)")
    }
}
