import KnooppuntProtocol
import StrictJSON
import Testing

@Suite("Node status")
struct NodeStatusTests {
    /// A STATUS answer as a node alone writes it (keys as on the wire).
    static let wire: JSONValue = [
        "role": "standalone", "epoch": 3, "degraded": false,
        "lastSequence": 42, "pid": 4_242, "entries": 17, "publicViewHash": "abc",
        "parties": [
            "VR09": [
                "connected": true, "nodeViewHash": "h9", "lastHeardMsAgo": 120,
                "lastHeardAt": 1_700_000_200_000,
                "applied": 42, "viewHash": "h9", "outboxBacklog": 0, "oldestQueuedMs": 0, "pid": 99,
                "clockSkewMs": -3, "lag": 0, "converged": true, "role": "region",
            ],
            "VR10": ["connected": false, "nodeViewHash": "h10"],
        ],
        "refusals": ["400": 2], "time": 1_700_000_200_100,
        "security": ["zapRefused": 1, "refused": ["10.0.0.9 wrong key": 1]],
        "audit": ["head": 40, "headHash": "ff", "checkpointed": 32, "waiting": 1],
        "policy": "sha256:1", "synchronous": 2,
        "commits": ["batches": 10, "reports": 42, "milliseconds": 55],
    ]

    @Test func aNodesAnswerReadsBackToTheSameJSON() throws {
        let status = try #require(NodeStatus(json: Self.wire))
        #expect(status.json == Self.wire)
        #expect(JSONWriter.canonical(status.json) == JSONWriter.canonical(Self.wire))
    }

    @Test func theTypedFieldsAreTheOnesOnTheWire() throws {
        let status = try #require(NodeStatus(json: Self.wire))
        #expect(status.isServing)
        #expect(status.epoch == 3)
        #expect(status.lastSequence == 42)
        #expect(status.parties["VR09"]?.converged == true)
        #expect(status.parties["VR09"]?.applied == 42)
        #expect(status.parties["VR10"]?.applied == nil)
        #expect(status.refusals["400"] == 2)
        #expect(status.audit.checkpointed == 32)
    }

    @Test func somethingElseIsNotAStatus() {
        #expect(NodeStatus(json: ["error": "unknown command"]) == nil)
        #expect(NodeStatus(json: .array([])) == nil)
        #expect(NodeStatus(json: "STATUS") == nil)
    }

    @Test func aPassiveNodeDoesNotServe() throws {
        var object = try #require(Self.wire.objectValue)
        object["role"] = "passive"
        #expect(NodeStatus(json: .object(object))?.isServing == false)
    }
}
