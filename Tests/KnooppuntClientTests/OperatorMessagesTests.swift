import KnooppuntClient
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON
import Testing

@Suite("Operator messages")
struct OperatorMessagesTests {
    static let id = ReportID("0a1b2c3d-0000-4000-8000-000000000001")!

    static func parts(_ texts: String...) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    @Test(arguments: [
        OperatorRequest.publish(
            document: Array(#"{"type":"sitrep"}"#.utf8),
            options: PublishOptions(again: true, policeLabels: ["tap"], credential: .token("kpt_x"))),
        .publish(document: [], options: PublishOptions(credential: .session("s1"))),
        .publish(document: Array("{}".utf8), options: PublishOptions()),
        .report(id), .status, .picture,
    ])
    func everyRequestReadsBackAsItWasWritten(_ request: OperatorRequest) throws {
        #expect(try OperatorRequest.decode(request.encode()) == request)
    }

    @Test(arguments: [
        OperatorResponse.queued(id, originSeq: 12),
        .accepted(id, epoch: 3, sequence: 1_234, degraded: false),
        .accepted(id, epoch: 3, sequence: 1_234, degraded: true),
        .rejected(id, code: .invalidJSON, message: "no"),
        .reportState(["id": .string(id.rawValue), "state": "queued"]),
        .status(["organisation": "VR09"]),
        .picture(["entries": .array([])]),
        .error(OperatorRefusal(Problem(.outboxFull, field: "outbox", "full"))),
        .error(
            OperatorRefusal(
                Problems([Problem(.invalidJSON, field: "$", "a"), Problem(.invalidID, field: "id", "b")]),
                detail: ["previous": .string(id.rawValue)])),
    ])
    func everyResponseReadsBackAsItWasWritten(_ response: OperatorResponse) {
        #expect(OperatorResponse.decode(response.encode()) == response)
    }

    @Test func theWireFormatIsTheOneDocumentedForPublish() {
        let request = OperatorRequest.publish(document: Array("{}".utf8), options: PublishOptions())
        #expect(request.encode() == Self.parts("KNP1", "PUBLISH", "{}", #"{"again":false}"#))
    }

    @Test func anErrorCarriesItsFirstProblemInItsFramesAndAllInItsJSON() throws {
        let frames = OperatorResponse.error(
            OperatorRefusal(Problem(.duplicateSubmission, field: "$", "twice"), detail: ["previous": "x"])
        ).encode()
        #expect(frames.count == 5)
        #expect(String(decoding: frames[2], as: UTF8.self) == String(ErrorCode.duplicateSubmission.rawValue))
        #expect(String(decoding: frames[3], as: UTF8.self) == "twice")
        let json = try JSONParser.parse(frames[4])
        #expect(json["previous"]?.stringValue == "x")
        #expect(json["problems"]?.arrayValue?.count == 1)
    }

    @Test func malformedRequestsAreRefusedWithTheDaemonsCodes() {
        func code(_ parts: [[UInt8]]) -> ErrorCode? {
            do {
                _ = try OperatorRequest.decode(parts)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code([]) == .unsupportedProtocol)
        #expect(code(Self.parts("KNP2", "STATUS")) == .unsupportedProtocol)
        #expect(code(Self.parts("KNP1")) == .unsupportedProtocol)
        #expect(code(Self.parts("KNP1", "DANCE")) == .unknownCommand)
        #expect(code(Self.parts("KNP1", "PUBLISH", "{}")) == .wrongFrameCount)
        #expect(code(Self.parts("KNP1", "PUBLISH", "{}", "{}", "{}")) == .wrongFrameCount)
        #expect(code(Self.parts("KNP1", "REPORT")) == .invalidID)
        #expect(code(Self.parts("KNP1", "REPORT", "not-an-id")) == .invalidID)
    }

    @Test func publishOptionsThatDoNotParseCountAsNone() throws {
        let request = try OperatorRequest.decode(Self.parts("KNP1", "PUBLISH", "{}", "not json"))
        #expect(request == .publish(document: Array("{}".utf8), options: PublishOptions()))
        let odd = try OperatorRequest.decode(
            Self.parts(
                "KNP1", "PUBLISH", "{}", #"{"again":"yes","policeLabels":[1,"tap"],"person":{"token":""}}"#))
        #expect(odd == .publish(document: Array("{}".utf8), options: PublishOptions(policeLabels: ["tap"])))
    }

    @Test func malformedResponsesAreIgnored() {
        #expect(OperatorResponse.decode([]) == nil)
        #expect(OperatorResponse.decode(Self.parts("KNP1", "QUEUED", Self.id.rawValue)) == nil)
        #expect(OperatorResponse.decode(Self.parts("KNP1", "QUEUED", "x", "1")) == nil)
        #expect(OperatorResponse.decode(Self.parts("KNP1", "ACCEPTED", Self.id.rawValue, "1", "2")) == nil)
        #expect(OperatorResponse.decode(Self.parts("KNP1", "STATUS", "{")) == nil)
        #expect(OperatorResponse.decode(Self.parts("KNP1", "WHAT")) == nil)
    }

    @Test func anErrorWithoutProblemsInItsJSONIsReadFromItsFrames() {
        let response = OperatorResponse.decode(Self.parts("KNP1", "ERROR", "501", "full"))
        guard case .error(let refusal) = response else {
            Issue.record("not an error")
            return
        }
        #expect(refusal.first.code == .outboxFull)
        #expect(refusal.first.message == "full")
    }
}
