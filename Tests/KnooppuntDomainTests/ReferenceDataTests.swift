import Foundation
import KnooppuntDomain
import Testing

@Suite("Reference data")
struct ReferenceDataTests {
    static let configFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config/reference")

    static func filesOnDisk() throws -> [String: String] {
        var files: [String: String] = [:]
        for name in ReferenceData.fileNames {
            files[name] = try String(contentsOf: configFolder.appendingPathComponent(name), encoding: .utf8)
        }
        return files
    }

    @Test("the built-in copy equals config/reference (run scripts/embed-reference-data.sh after edits)")
    func builtInMatchesConfig() throws {
        let disk = try Self.filesOnDisk()
        let fromDisk = try ReferenceData(files: disk)
        let builtIn = ReferenceData.builtIn
        #expect(fromDisk.regions == builtIn.regions)
        #expect(fromDisk.municipalities == builtIn.municipalities)
        #expect(fromDisk.policeUnits == builtIn.policeUnits)
        #expect(fromDisk.threatLevels == builtIn.threatLevels)
        #expect(fromDisk.regionAreas == builtIn.regionAreas)
    }

    @Test("25 regions, 342 municipalities, 12 police units, 5 threat levels, 12 provinces")
    func counts() {
        let data = ReferenceData.builtIn
        #expect(data.regions.count == 25)
        #expect(data.municipalities.count == 342)
        #expect(data.policeUnits.count == 12)
        #expect(data.threatLevels.count == 5)
        #expect(data.provinces.count == 12)
        #expect(data.municipalities[MunicipalityCode("GM0344")]?.region == OrganisationCode("VR09"))
        #expect(data.regions(in: ProvinceCode("PV26")) == [OrganisationCode("VR09")!])
    }

    @Test("Utrecht Centraal lies in VR09 and not in VR13")
    func pointLookup() {
        let data = ReferenceData.builtIn
        let utrechtCentraal = GeoPoint(latitude: 52.089, longitude: 5.110)
        #expect(data.region(containing: utrechtCentraal) == OrganisationCode("VR09"))
        #expect(!data.regionAreas[OrganisationCode("VR13")!]!.contains(utrechtCentraal))
    }

    @Test("an unknown region code is refused with its file and line")
    func unknownRegion() throws {
        var files = try Self.filesOnDisk()
        files["municipalities.csv"]! = files["municipalities.csv"]!.replacingOccurrences(
            of: "GM0358,Aalsmeer,VR13", with: "GM0358,Aalsmeer,VR99")
        #expect {
            try ReferenceData(files: files)
        } throws: { error in
            let e = error as! ReferenceDataError
            return e.file == "municipalities.csv" && e.line == 3 && e.message.contains("VR99")
        }
    }

    @Test("a duplicate code is refused with its file and line")
    func duplicateCode() throws {
        var files = try Self.filesOnDisk()
        files["regions.csv"]! += "VR09,Utrecht,Utrecht,PV26,Midden-Nederland\n"
        #expect {
            try ReferenceData(files: files)
        } throws: { error in
            let e = error as! ReferenceDataError
            return e.file == "regions.csv" && e.line == 27 && e.message.contains("duplicate")
        }
    }
}
