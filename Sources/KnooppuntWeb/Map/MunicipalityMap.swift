import KnooppuntDomain
import StrictJSON

/// The outlines and centres of the 342 municipalities, in the same SVG coordinates as
/// ``RegionMap``, so the desk can mark where an incident is and outline its municipality.
///
/// The outlines come from `Resources/municipalities.geojson` (CBS / PDOK, municipal division
/// of 1 January 2023, the one `config/reference/municipalities.csv` holds), made small by
/// `scripts/simplify-municipalities.py`: Douglas-Peucker at ~300 m, small islands and holes
/// dropped, 3 decimals. At the map's ~600 units for 3° of latitude that is under a unit, and
/// keeps the file at ~130 KB. The browser loads them once, from `/assets/municipalities.json`,
/// only when it first outlines a municipality.
public struct MunicipalityMap: Sendable {
    public struct Municipality: Sendable {
        public let code: String
        public let name: String
        public let region: OrganisationCode?
        /// SVG path data of every part.
        public let path: String
        /// Where the municipality's incidents are drawn when they have no point of their own:
        /// a point inside its largest part (a centroid can fall outside a curved one).
        public let centreX: Double
        public let centreY: Double
        /// Every polygon's rings (outer first, then holes) in map coordinates: what
        /// ``contains(_:_:)`` tests against, the same shapes the page draws.
        let rings: [[[(x: Double, y: Double)]]]
    }

    /// How far outside a municipality's drawn outline a point may lie and still count as in
    /// it: the outlines are simplified at ~300 m (see above), so a point on the real border
    /// can fall just outside the drawn one.
    public static let borderToleranceMetres = 500.0
    /// Metres in a degree of latitude (the projection's unit of `scale`).
    static let metresPerDegree = 111_320.0

    public let projection: MapProjection
    public let municipalities: [String: Municipality]

    /// The built-in outlines on the built-in region map, made once per process.
    public static let netherlands = MunicipalityMap(
        // Read from the resource itself, not through `WebAssets.files`, whose table serves
        // this map's JSON and so cannot be read while it is being made.
        geoJSON: String(decoding: PackageResources.municipalities_geojson, as: UTF8.self),
        projection: RegionMap.netherlands.projection)

    /// Reads a FeatureCollection whose features carry `statcode` (GM…) and `statnaam`. A
    /// feature without a usable geometry is left out; the built-in file has all 342 (a test
    /// checks that against the reference data).
    init(geoJSON text: String, projection: MapProjection, reference: ReferenceData = .builtIn) {
        self.projection = projection
        var result: [String: Municipality] = [:]
        let features = (try? JSONParser.parse(text))?["features"]?.arrayValue ?? []
        for feature in features {
            guard let code = feature["properties"]?["statcode"]?.stringValue,
                let geometry = feature["geometry"], let shape = MultiPolygon(geoJSON: geometry)
            else { continue }
            let rings = shape.polygons.map { polygon in
                polygon.map { ring in ring.map { projection.project($0) } }
            }
            let centre = RegionMap.labelPoint(rings)
            let known = reference.municipalities[MunicipalityCode(code)]
            result[code] = Municipality(
                code: code, name: known?.name ?? feature["properties"]?["statnaam"]?.stringValue ?? code,
                region: known?.region, path: rings.flatMap { $0 }.map(RegionMap.pathData).joined(),
                centreX: centre.x, centreY: centre.y, rings: rings)
        }
        municipalities = result
    }

    /// Where an incident goes on the map: its own point when it has one inside the map,
    /// else its municipality's centre; nil when it has neither.
    public func place(municipality: String?, point: GeoPoint?) -> (x: Double, y: Double)? {
        if let point, point.isInNetherlands { return projection.project(point) }
        guard let municipality, let known = municipalities[municipality] else { return nil }
        return (known.centreX, known.centreY)
    }

    /// Whether `point` lies in the municipality `code` (within ``borderToleranceMetres`` of
    /// its outline): the one rule the screen's map and its incident requests both follow.
    /// False for a code without an outline.
    public func contains(_ code: String, _ point: GeoPoint) -> Bool {
        guard let municipality = municipalities[code] else { return false }
        let spot = projection.project(point)
        let tolerance = Self.borderToleranceMetres / Self.metresPerDegree * projection.scale
        return municipality.rings.contains { polygon in
            RegionMap.contains(polygon, spot)
                || polygon.contains { RegionMap.distanceToRing($0, spot) <= tolerance }
        }
    }

    /// The municipality whose drawn outline holds `point` (no tolerance: on a border the
    /// first by code), nil outside every one (at sea, abroad).
    public func municipality(at point: GeoPoint) -> Municipality? {
        let spot = projection.project(point)
        return municipalities.keys.sorted().lazy.compactMap { self.municipalities[$0] }.first {
            municipality in
            municipality.rings.contains { RegionMap.contains($0, spot) }
        }
    }

    /// `{"GM0344": {"name": "Utrecht", "region": "VR09", "path": "M…Z", "x": 301.2, "y": 310.4}, …}`
    /// for the browser (`/assets/municipalities.json`).
    public var json: [UInt8] {
        var object: [String: JSONValue] = [:]
        for (code, municipality) in municipalities {
            var item: [String: JSONValue] = [
                "name": .string(municipality.name), "path": .string(municipality.path),
                "x": .number(Self.rounded(municipality.centreX)),
                "y": .number(Self.rounded(municipality.centreY)),
            ]
            if let region = municipality.region { item["region"] = .string(region.rawValue) }
            object[code] = .object(item)
        }
        return JSONWriter.canonical(.object(object))
    }

    /// One decimal, as the paths (see ``RegionMap/number(_:)``).
    static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
}
