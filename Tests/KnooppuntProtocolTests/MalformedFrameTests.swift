import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@Suite("Malformed frames")
struct MalformedFrameTests {
    @Test("each malformed message is refused with its code at its field", arguments: FrameCases.all)
    func refused(_ testCase: FrameCase) {
        guard let problem = testCase.decode() else {
            Issue.record(
                "accepted; expected \(testCase.code.label) \(testCase.code.name) at \(testCase.field)")
            return
        }
        #expect(
            problem.code == testCase.code && problem.field == testCase.field,
            "expected \(testCase.code.label) \(testCase.code.name) at \(testCase.field), got \(problem)")
        #expect(!problem.message.isEmpty)
    }

    @Test("the unedited messages the cases start from are accepted")
    func basesAreValid() throws {
        _ = try Fixtures.messages.decodeClient(FrameCases.hello)
        _ = try Fixtures.messages.decodeClient(Fixtures.submit(FrameCases.grip))
        _ = try Fixtures.messages.decodeClient(Fixtures.submit(FrameCases.sitrep))
        _ = try Fixtures.messages.decodeClient([
            FrameCases.knp, FrameCases.t("STATUS"), JSONWriter.canonical(FrameCases.status),
        ])
    }
}
