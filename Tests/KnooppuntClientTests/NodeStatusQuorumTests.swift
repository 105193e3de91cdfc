import KnooppuntProtocol
import StrictJSON
import Testing

@Suite("Node status: a replica's quorum fields")
struct NodeStatusQuorumTests {
    static let quorum: JSONValue = [
        "role": "active", "epoch": 812, "logIndex": 3_051, "trimmedThrough": 2_051,
        "applied": ["entries": 1_500, "transactions": 9],
        "etcd": [
            "membersReachable": 2, "members": 3, "dbSize": 7_495_680, "alarms": ["NOSPACE"],
            "spaceFull": true,
        ],
    ]

    @Test("a replica's quorum object reads back to the same JSON and typed fields")
    func quorumRoundTrip() throws {
        guard case .object(var fields) = NodeStatusTests.wire else { return }
        fields["quorum"] = Self.quorum
        fields["role"] = "active"
        let status = try #require(NodeStatus(json: .object(fields)))
        #expect(status.json == .object(fields))
        let quorum = try #require(status.quorum)
        #expect(quorum.role == "active" && quorum.epoch == 812 && quorum.logIndex == 3_051)
        #expect(quorum.trimmedThrough == 2_051 && quorum.membersReachable == 2 && quorum.members == 3)
        #expect(quorum.dbSize == 7_495_680 && quorum.alarms == ["NOSPACE"] && quorum.spaceFull)
        #expect(quorum.appliedEntries == 1_500 && quorum.applyTransactions == 9)
    }

    @Test("without etcd the key is absent, not zero")
    func absentWithoutEtcd() throws {
        let status = try #require(NodeStatus(json: NodeStatusTests.wire))
        #expect(status.quorum == nil)
        #expect(status.json["quorum"] == nil)
    }
}
