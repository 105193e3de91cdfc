import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

@Suite("Malformed documents")
struct MalformedDocumentTests {
    @Test("each malformed document is refused with its code at its field", arguments: DocumentCases.all)
    func refused(_ testCase: DocumentCase) {
        switch decodeDocument(testCase.bytes) {
        case .success(let document):
            #expect(
                testCase.code == nil,
                "accepted \(document.body.type), expected E\(testCase.code?.rawValue ?? 0)")
        case .failure(let problems):
            guard let code = testCase.code else {
                Issue.record("a valid document was refused:\n\(problems)")
                return
            }
            #expect(
                problems.contains(code, at: testCase.field),
                "expected \(code.label) \(code.name) at \(testCase.field), got:\n\(problems)")
            for problem in problems.problems {
                #expect(!problem.field.isEmpty && !problem.message.isEmpty)
            }
        }
    }

    @Test("every problem of a document is reported, not only the first")
    func allProblems() {
        let bytes = Fixtures.bytes(
            #"{"type":"sitrep","incident":"x","beeld":{"BRW":{"text":" "}},"confidence":"maybe","extra":1}"#)
        guard case .failure(let problems) = decodeDocument(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(problems.contains(.invalidID, at: "incident"))
        #expect(problems.contains(.emptyText, at: "beeld.BRW.text"))
        #expect(problems.contains(.missingField, at: "beeld.BRW.classification"))
        #expect(problems.contains(.unknownValue, at: "confidence"))
        #expect(problems.contains(.missingField, at: "verification"))
        #expect(problems.contains(.unknownField, at: "extra"))
        #expect(problems.problems.count == 6)
    }

    @Test("a problem prints as E<code> <name> at <field>: <message>")
    func problemText() {
        let problem = Problem(.missingField, field: "beeld.BRW.text", "required field \"text\" is missing")
        #expect(
            problem.description == #"E203 missingField at beeld.BRW.text: required field "text" is missing"#)
        #expect(Problems([problem, problem]).description.split(separator: "\n").count == 2)
    }

    @Test("every error code has its documented name and label")
    func errorCodeNames() {
        for code in ErrorCode.allCases {
            #expect(code.label == "E\(code.rawValue)")
            #expect(String(describing: code) == code.name, "the table in ErrorCode.name matches the case")
        }
        #expect(ErrorCode.outOfOrder.summary == "E400 outOfOrder")
    }
}
