import StrictJSON

/// A safety region (veiligheidsregio), joined everywhere by its code.
public struct SafetyRegion: Sendable, Hashable {
    public let code: OrganisationCode
    public let name: String
    public let province: ProvinceCode
    public let provinceName: String
    /// The name of the police's regional unit that covers the region.
    public let policeUnitName: String
}

/// A province code from CBS, PV20…PV31.
public struct ProvinceCode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: ProvinceCode, b: ProvinceCode) -> Bool { a.rawValue < b.rawValue }
}

/// A municipality code from CBS, e.g. GM0344 (Utrecht).
public struct MunicipalityCode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: MunicipalityCode, b: MunicipalityCode) -> Bool { a.rawValue < b.rawValue }
}

public struct Municipality: Sendable, Hashable {
    public let code: MunicipalityCode
    public let name: String
    public let region: OrganisationCode
}

/// A unit of the national police: ten regional units, plus LX and LO.
public struct PoliceUnit: Sendable, Hashable {
    public enum Kind: String, Sendable { case regional, national }
    public let code: String
    public let name: String
    public let kind: Kind
}

/// One of NCTV's five threat levels (dreigingsniveaus).
public struct ThreatLevelInfo: Sendable, Hashable {
    public let level: Int
    public let name: String
    public let meaning: String
}

/// A reference-data file that could not be loaded: which file, which line, what is wrong.
public struct ReferenceDataError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// The fixed facts of the Netherlands the network runs on: regions, provinces, municipalities,
/// police units, threat levels and region boundaries. Loaded once, then shared read-only.
public struct ReferenceData: Sendable {
    public let regions: [OrganisationCode: SafetyRegion]
    public let municipalities: [MunicipalityCode: Municipality]
    public let policeUnits: [String: PoliceUnit]
    public let threatLevels: [Int: ThreatLevelInfo]
    public let provinces: [ProvinceCode: String]
    /// Region boundaries (WGS84), for point lookup, the map and CAP areas.
    public let regionAreas: [OrganisationCode: MultiPolygon]

    /// The file names inside a reference-data folder.
    public static let fileNames = [
        "regions.csv", "municipalities.csv", "police_units.csv", "threat_levels.csv",
        "geo/veiligheidsregio_2025.geojson",
    ]

    /// Loads from file contents keyed by ``fileNames`` (from disk or the copy built into the
    /// program); every unknown or duplicate code is an error naming the file and line.
    public init(files: [String: String]) throws(ReferenceDataError) {
        func file(_ name: String) throws(ReferenceDataError) -> String {
            guard let text = files[name] else {
                throw ReferenceDataError(file: name, line: 0, message: "file missing")
            }
            return text
        }
        let units = try Self.loadPoliceUnits(try file("police_units.csv"))
        policeUnits = units
        let (regions, provinces) = try Self.loadRegions(try file("regions.csv"), units: units)
        self.regions = regions
        self.provinces = provinces
        municipalities = try Self.loadMunicipalities(try file("municipalities.csv"), regions: regions)
        threatLevels = try Self.loadThreatLevels(try file("threat_levels.csv"))
        regionAreas = try Self.loadRegionAreas(
            try file("geo/veiligheidsregio_2025.geojson"), regions: regions)
    }

    /// The copy built into the program (generated from `config/reference`).
    public static let builtIn: ReferenceData = {
        do {
            return try ReferenceData(files: EmbeddedReferenceData.files)
        } catch {
            preconditionFailure("built-in reference data is invalid: \(error)")
        }
    }()

    /// The safety region containing a point, if any.
    public func region(containing point: GeoPoint) -> OrganisationCode? {
        regionAreas.keys.sorted().first { regionAreas[$0]!.contains(point) }
    }

    /// The safety regions of a province.
    public func regions(in province: ProvinceCode) -> [OrganisationCode] {
        regions.values.filter { $0.province == province }.map(\.code).sorted()
    }

    // MARK: Loaders

    private static func loadPoliceUnits(_ text: String) throws(ReferenceDataError) -> [String: PoliceUnit] {
        let file = "police_units.csv"
        var units: [String: PoliceUnit] = [:]
        for row in try CSV.rows(text, file: file, header: ["code", "name", "kind"]) {
            guard let kind = PoliceUnit.Kind(rawValue: row.fields[2]) else {
                throw row.error("unknown kind \"\(row.fields[2])\" (regional or national)")
            }
            guard !row.fields[0].isEmpty, units[row.fields[0]] == nil else {
                throw row.error("duplicate or empty police unit code \"\(row.fields[0])\"")
            }
            units[row.fields[0]] = PoliceUnit(code: row.fields[0], name: row.fields[1], kind: kind)
        }
        return units
    }

    private static func loadRegions(
        _ text: String, units: [String: PoliceUnit]
    )
        throws(ReferenceDataError) -> ([OrganisationCode: SafetyRegion], [ProvinceCode: String])
    {
        let file = "regions.csv"
        var regions: [OrganisationCode: SafetyRegion] = [:]
        var provinces: [ProvinceCode: String] = [:]
        let unitNames = Set(units.values.map(\.name))
        let rows = try CSV.rows(
            text, file: file, header: ["code", "name", "province", "province_code", "police_unit"])
        for row in rows {
            let f = row.fields
            guard let code = OrganisationCode(f[0]), code.isSafetyRegion else {
                throw row.error("unknown safety-region code \"\(f[0])\" (VR01…VR25)")
            }
            guard regions[code] == nil else { throw row.error("duplicate safety-region code \(code)") }
            guard f[3].count == 4, f[3].hasPrefix("PV"), Int(f[3].dropFirst(2)) != nil else {
                throw row.error("invalid province code \"\(f[3])\"")
            }
            guard unitNames.contains(f[4]) else { throw row.error("unknown police unit \"\(f[4])\"") }
            let province = ProvinceCode(f[3])
            if let known = provinces[province], known != f[2] {
                throw row.error("province \(province) named both \"\(known)\" and \"\(f[2])\"")
            }
            provinces[province] = f[2]
            regions[code] = SafetyRegion(
                code: code, name: f[1], province: province, provinceName: f[2], policeUnitName: f[4])
        }
        if let missing = OrganisationCode.safetyRegions.first(where: { regions[$0] == nil }) {
            throw ReferenceDataError(
                file: file, line: rows.count + 1, message: "safety region \(missing) is missing")
        }
        return (regions, provinces)
    }

    private static func loadMunicipalities(
        _ text: String, regions: [OrganisationCode: SafetyRegion]
    )
        throws(ReferenceDataError) -> [MunicipalityCode: Municipality]
    {
        var result: [MunicipalityCode: Municipality] = [:]
        for row in try CSV.rows(text, file: "municipalities.csv", header: ["gemcode", "name", "vr_code"]) {
            let f = row.fields
            guard Self.isMunicipalityCode(f[0]) else {
                throw row.error("invalid municipality code \"\(f[0])\"")
            }
            let code = MunicipalityCode(f[0])
            guard result[code] == nil else { throw row.error("duplicate municipality code \(code)") }
            guard let region = OrganisationCode(f[2]), regions[region] != nil else {
                throw row.error("unknown safety-region code \"\(f[2])\"")
            }
            result[code] = Municipality(code: code, name: f[1], region: region)
        }
        return result
    }

    private static func loadThreatLevels(_ text: String) throws(ReferenceDataError) -> [Int: ThreatLevelInfo]
    {
        var levels: [Int: ThreatLevelInfo] = [:]
        let rows = try CSV.rows(text, file: "threat_levels.csv", header: ["level", "name", "meaning"])
        for row in rows {
            guard let level = Int(row.fields[0]), (1...5).contains(level) else {
                throw row.error("unknown threat level \"\(row.fields[0])\" (1…5)")
            }
            guard levels[level] == nil else { throw row.error("duplicate threat level \(level)") }
            levels[level] = ThreatLevelInfo(level: level, name: row.fields[1], meaning: row.fields[2])
        }
        guard levels.count == 5 else {
            throw ReferenceDataError(
                file: "threat_levels.csv", line: rows.count + 1, message: "levels 1…5 must all be present")
        }
        return levels
    }

    private static func loadRegionAreas(
        _ text: String, regions: [OrganisationCode: SafetyRegion]
    )
        throws(ReferenceDataError) -> [OrganisationCode: MultiPolygon]
    {
        let file = "geo/veiligheidsregio_2025.geojson"
        func fail(_ message: String) -> ReferenceDataError {
            ReferenceDataError(file: file, line: 1, message: message)
        }
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch { throw fail("not valid JSON: \(error)") }
        guard let features = json["features"]?.arrayValue else { throw fail("no features") }
        var areas: [OrganisationCode: MultiPolygon] = [:]
        for feature in features {
            guard let statcode = feature["properties"]?["statcode"]?.stringValue,
                let code = OrganisationCode(statcode), regions[code] != nil
            else { throw fail("a feature has no known statcode") }
            guard areas[code] == nil else { throw fail("duplicate feature for \(code)") }
            guard let geometry = feature["geometry"], let area = MultiPolygon(geoJSON: geometry) else {
                throw fail("feature \(code) has no Polygon or MultiPolygon geometry")
            }
            areas[code] = area
        }
        if let missing = OrganisationCode.safetyRegions.first(where: { areas[$0] == nil }) {
            throw fail("no boundary for \(missing)")
        }
        return areas
    }

    static func isMunicipalityCode(_ text: String) -> Bool {
        text.utf8.count == 6 && text.hasPrefix("GM") && text.dropFirst(2).allSatisfy(\.isASCII)
            && text.dropFirst(2).allSatisfy(\.isNumber)
    }
}

/// The comma-separated files of the reference data: a header line, quoted fields allowed.
enum CSV {
    struct Row {
        let file: String
        let line: Int
        let fields: [String]
        func error(_ message: String) -> ReferenceDataError {
            ReferenceDataError(file: file, line: line, message: message)
        }
    }

    static func rows(_ text: String, file: String, header: [String]) throws(ReferenceDataError) -> [Row] {
        var rows: [Row] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            if line.isEmpty { continue }
            guard let fields = split(line) else {
                throw ReferenceDataError(file: file, line: lineNumber, message: "unbalanced quotes")
            }
            if lineNumber == 1 {
                guard fields == header else {
                    throw ReferenceDataError(
                        file: file, line: 1, message: "header must be \(header.joined(separator: ","))")
                }
                continue
            }
            guard fields.count == header.count else {
                throw ReferenceDataError(
                    file: file, line: lineNumber,
                    message: "expected \(header.count) fields, found \(fields.count)")
            }
            rows.append(Row(file: file, line: lineNumber, fields: fields))
        }
        return rows
    }

    static func split(_ line: String) -> [String]? {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        current.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        guard !quoted else { return nil }
        fields.append(current)
        return fields
    }
}
