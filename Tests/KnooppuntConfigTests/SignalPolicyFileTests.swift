import Foundation
import KnooppuntConfig
import KnooppuntCore
import Testing

@Suite("Signal policy file")
struct SignalPolicyFileTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-signals-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("DIR/signals.yaml replaces the built-in policy; without it the built-in one holds")
    func deploymentFile() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try SignalPolicy.load(folder: root).digest == SignalPolicy.builtIn.digest)
        try Data(
            """
            version: 1
            acknowledgeWithinMinutes: 30
            maximumRetentionDays: 90
            legalBases:
              - {code: CONVENANT-ZVH, description: Convenant Zorg- en Veiligheidshuis Utrecht}
            rules:
              - {id: zvh, from: [safetyHouse], kinds: [violence], to: [municipality], bases: [CONVENANT-ZVH]}
            """.utf8
        ).write(to: root.appendingPathComponent(SignalPolicy.fileName))
        let own = try SignalPolicy.load(folder: root)
        #expect(own.acknowledgeWithinMs == 30 * 60_000)
        #expect(own.maximumRetentionDays == 90)
        #expect(own.legalBases.map(\.code) == ["CONVENANT-ZVH"])
    }

    @Test("a broken DIR/signals.yaml is an error naming the file, never the built-in policy in its place")
    func brokenFile() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent(SignalPolicy.fileName)
        try Data("version: 1\nacknowledgeWithinMinutes: 0\n".utf8).write(to: file)
        #expect(throws: PolicyError.self) { try SignalPolicy.load(folder: root) }
        do {
            _ = try SignalPolicy.load(folder: root)
        } catch let error as PolicyError {
            #expect(error.message.contains(file.path))
        }
    }
}
