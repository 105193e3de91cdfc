import KnooppuntDomain
import StrictJSON
import Testing

@testable import KnooppuntProtocol

/// The sitrep's direct reader (``DocumentCodec/decodeCanonical(_:sections:)``) against the
/// strict way it stands in front of (parse each section, merge, decode): whatever the direct
/// reader returns, the strict way returns for the same report, and every canonical sitrep it
/// is meant for, it reads. A difference would let the node accept a document the protocol
/// refuses, or read another document than the one signed.
@Suite("Documents: the sitrep's direct reader against the strict way")
struct DocumentCanonicalTests {
    static let codec = Fixtures.codec

    /// The direct reader's document and the strict way's answer for the same report.
    static func compare(_ report: SealedReport) -> (direct: ReportDocument?, strict: ReportDocument?) {
        let direct = codec.decodeCanonical(report.envelope, sections: report.sections)
        let strict = try? report.strictDocumentAndText(codec: codec).document
        return (direct, strict)
    }

    /// Every string and key a document's text hands over.
    static func strings(_ text: DocumentText) -> Set<String> {
        var found: Set<String> = []
        _ = text.mayContain { bytes in
            found.insert(String(decoding: bytes, as: UTF8.self))
            return false
        }
        return found
    }

    /// Whether the direct reader is meant to read a sealed sitrep: no section needs an escape.
    static func meantForDirect(_ report: SealedReport) -> Bool {
        report.envelope.type == .sitrep
            && report.sections.allSatisfy { !($0 ?? []).contains(UInt8(ascii: "\\")) }
    }

    @Test("every random sitrep reads the same both ways, directly when canonical, with the same text")
    func randomSitreps() throws {
        var rng = SeededGenerator(seed: 411)
        var direct = 0
        for index in 0..<500 {
            // Texts without escapes more often than not, so that both readers are reached.
            var document = RandomDocuments.document(.sitrep, using: &rng)
            if rng.chance(0.6) { document.body = .sitrep(Self.plainSitrep(using: &rng)) }
            let report = Fixtures.seal(document, seed: UInt64(index))
            let result = Self.compare(report)
            #expect(result.strict != nil)
            #expect(result.direct == nil || result.direct == result.strict)
            if Self.meantForDirect(report) {
                #expect(result.direct != nil, "not read directly: \(document)")
                direct += 1
                let (_, text) = try report.documentAndText(codec: Self.codec)
                let strictText = try report.strictDocumentAndText(codec: Self.codec).text
                #expect(Self.strings(text).isSuperset(of: Self.strings(strictText)))
                #expect(text.json == strictText.json)
            } else {
                #expect(result.direct == nil)
            }
        }
        #expect(direct > 250)
    }

    @Test("other types are left to the strict way")
    func otherTypes() {
        for type in ReportType.allCases where type != .sitrep {
            let report = Fixtures.seal(Fixtures.sample(type))
            #expect(Self.codec.decodeCanonical(report.envelope, sections: report.sections) == nil)
        }
    }

    @Test("every mutated sitrep: the direct reader gives up or reads what the strict way reads")
    func mutatedSitreps() {
        var rng = SeededGenerator(seed: 412)
        var mutator = Mutator(seed: 413)
        let reports = (0..<60).map { index in
            Fixtures.seal(.init(body: .sitrep(Self.plainSitrep(using: &rng))), seed: UInt64(index))
        }
        let donors = reports.flatMap { $0.sections.compactMap { $0 } }
        let jsonDonors = donors.compactMap { try? JSONParser.parse($0) }
        var readDirectly = 0
        var strictOnly = 0
        var refused = 0
        for index in 0..<6_000 {
            var report = reports[index % reports.count]
            var envelope = report.envelope
            var sections = report.sections
            switch Int.random(in: 0..<5, using: &mutator.rng) {
            case 0:
                // The meta: values, unknown or missing keys.
                let meta = mutator.json(.object(envelope.meta), donors: [.object(envelope.meta)] + jsonDonors)
                envelope.meta = meta.objectValue ?? [:]
            case 1:
                // An envelope field the document takes from it.
                switch Int.random(in: 0..<5, using: &mutator.rng) {
                case 0: envelope.incident = nil
                case 1: envelope.subject = ReportID.random(using: &mutator.rng)
                case 2:
                    envelope.author = mutator.rng.pick(["", " ", String(repeating: "n", count: 121), "Ré"])
                case 3: envelope.exercise.toggle()
                default: envelope.type = mutator.rng.pick(ReportType.allCases)
                }
            case 2:
                // A section written with whitespace: the strict way's alone.
                let at = Int.random(in: 0..<sections.count, using: &mutator.rng)
                if let value = try? JSONParser.parse(sections[at] ?? []) {
                    sections[at] = Array(JSONWriter.pretty(value).utf8)
                }
            default:
                // A section's content, as JSON written again or byte by byte.
                let at = Int.random(in: 0..<sections.count, using: &mutator.rng)
                let bytes = sections[at] ?? []
                if mutator.rng.chance(0.5), let value = try? JSONParser.parse(bytes) {
                    sections[at] = JSONWriter.canonical(mutator.json(value, donors: jsonDonors))
                } else {
                    sections[at] = mutator.bytes(bytes, donors: donors)
                }
            }
            report = SealedReport(
                envelopeBytes: report.envelopeBytes, envelope: envelope, signature: report.signature,
                sections: sections)
            let direct = Self.codec.decodeCanonical(envelope, sections: sections)
            let strict = Result { () throws(Problems) in try report.strictDocumentAndText(codec: Self.codec) }
            let both = Result { () throws(Problems) in try report.documentAndText(codec: Self.codec) }
            switch (strict, both) {
            case (.success(let strict), .success(let both)):
                #expect(strict.document == both.document)
                #expect(direct == nil || direct == strict.document)
                if direct != nil { readDirectly += 1 } else { strictOnly += 1 }
                // What the strict way reads from canonical sections, the direct reader reads too.
                let canonical = sections.allSatisfy { section in
                    section.flatMap { try? JSONParser.parse($0) }.map(JSONWriter.canonical) == section
                }
                if canonical && Self.meantForDirect(report) {
                    #expect(
                        direct != nil,
                        "\(envelope) \(sections.map { String(decoding: $0 ?? [], as: UTF8.self) })")
                }
            case (.failure(let strict), .failure(let both)):
                #expect(strict == both)
                refused += 1
            default:
                Issue.record("the two ways disagree: \(strict) against \(both)")
            }
        }
        #expect(readDirectly > 300)
        #expect(strictOnly > 300)
        #expect(refused > 1_000)
    }

    /// A sitrep whose texts need no escape, with every section now and then.
    static func plainSitrep(using rng: inout SeededGenerator) -> Sitrep {
        var sitrep = RandomDocuments.sitrep(using: &rng)
        for discipline in sitrep.beeld.keys {
            sitrep.beeld[discipline]?.text = "Beeld \(discipline.rawValue)"
        }
        sitrep.oordeel = sitrep.oordeel.map {
            Assessment(
                bottlenecks: ["Capaciteit"], risks: [], prognosis: "Stabiel",
                classification: $0.classification)
        }
        sitrep.besluiten = sitrep.besluiten.map {
            Decisions(
                items: [
                    Decision(text: "Afzetting", decidedBy: "ROT", at: Fixtures.time("2025-06-11T10:50:00Z"))
                ],
                classification: $0.classification)
        }
        sitrep.acties = sitrep.acties.map {
            Actions(
                items: [
                    Action(
                        text: "Omleiding", owner: "POL", deadline: Fixtures.time("2025-06-11T12:00:00+02:00"))
                ],
                classification: $0.classification)
        }
        sitrep.communicatie = sitrep.communicatie.map {
            CrisisCommunication(
                coreMessage: "Mijd het gebied", actionAdvice: "Ramen dicht", targetArea: $0.targetArea,
                classification: $0.classification)
        }
        return sitrep
    }
}
