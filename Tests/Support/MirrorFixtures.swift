import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import Testing

/// A node's log as VR09's mirror receives it, for the mirror's and the daemon store's tests.
public enum MirrorFixtures {
    public static let view = View.organisation(Org.vr09)

    /// A node with six accepted reports: sections for every audience, keys written twice.
    public static func node(_ network: Network) throws -> TestNode {
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))
        try node.accept(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 3))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.police, originSeq: 1))
        try node.accept(network.seal(Documents.threat(.national, level: 4), origin: Org.nctv, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(brw: "Nablussen"), origin: Org.vr09, originSeq: 4))
        return node
    }

    /// Update `sequence` of the node as the VR09 connection carries it.
    public static func update(_ node: TestNode, _ sequence: SequenceNumber, view: View = view) -> Update {
        var update = node.accepted[Int(sequence) - 1].update
        update.report = update.report.projected(for: view)
        return update
    }
}
