import KnooppuntDomain
import Testing

@testable import KnooppuntProtocol

/// The node reads a report's section names off the decoded document instead of cutting its
/// encoding; both must name the same sections in the same order, or a valid report would be
/// refused (or a mismatched one let through).
@Suite("Section layout: names")
struct SectionLayoutTests {
    @Test("the names read off the document are the names split cuts it into", arguments: ReportType.allCases)
    func namesAgree(_ type: ReportType) {
        let document = Fixtures.sample(type)
        #expect(
            SectionLayout.sectionNames(of: document)
                == SectionLayout.split(document, codec: Fixtures.codec).sections.map(\.name))
    }

    @Test("a sitrep with some disciplines and some BOB parts names just those, in wire order")
    func partialSitrep() {
        guard case .sitrep(var full) = Fixtures.sample(.sitrep).body else {
            Issue.record("the sample sitrep is not a sitrep")
            return
        }
        let disciplines = Discipline.allCases
        var variants: [Sitrep] = []
        for (index, discipline) in disciplines.enumerated() {
            var sitrep = full
            sitrep.beeld = sitrep.beeld.filter { $0.key == discipline || index % 2 == 0 }
            if index % 2 == 0 { sitrep.oordeel = nil }
            if index % 3 == 0 { sitrep.besluiten = nil }
            if index % 2 == 1 { sitrep.acties = nil }
            if index == disciplines.count - 1 { sitrep.communicatie = nil }
            variants.append(sitrep)
        }
        full.beeld = [:]
        variants.append(full)
        for sitrep in variants {
            var document = Fixtures.sample(.sitrep)
            document.body = .sitrep(sitrep)
            #expect(
                SectionLayout.sectionNames(of: document)
                    == SectionLayout.split(document, codec: Fixtures.codec).sections.map(\.name))
        }
    }
}
