import StrictJSON

/// A WGS84 point. GeoJSON writes it lon,lat; CAP writes lat,lon; this type names both.
public struct GeoPoint: Sendable, Hashable {
    public let latitude: Double
    public let longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Inside the bounding box of the Netherlands with its territorial waters (roughly).
    public var isInNetherlands: Bool {
        (50.5...54.0).contains(latitude) && (3.0...7.5).contains(longitude)
    }
}

/// Polygons with holes: the outer ring first, then holes; the shape of a region's boundary.
public struct MultiPolygon: Sendable, Hashable {
    /// Each polygon is a list of rings; each ring a closed list of points.
    public let polygons: [[[GeoPoint]]]

    public init(polygons: [[[GeoPoint]]]) { self.polygons = polygons }

    /// Reads a GeoJSON Polygon or MultiPolygon geometry (lon,lat pairs).
    public init?(geoJSON geometry: JSONValue) {
        func ring(_ value: JSONValue) -> [GeoPoint]? {
            guard let points = value.arrayValue, points.count >= 4 else { return nil }
            var ring: [GeoPoint] = []
            for point in points {
                guard let pair = point.arrayValue, pair.count >= 2, let lon = pair[0].doubleValue,
                    let lat = pair[1].doubleValue
                else { return nil }
                ring.append(GeoPoint(latitude: lat, longitude: lon))
            }
            return ring
        }
        func polygon(_ value: JSONValue) -> [[GeoPoint]]? {
            guard let rings = value.arrayValue, !rings.isEmpty else { return nil }
            var result: [[GeoPoint]] = []
            for r in rings {
                guard let parsed = ring(r) else { return nil }
                result.append(parsed)
            }
            return result
        }
        guard let type = geometry["type"]?.stringValue, let coordinates = geometry["coordinates"] else {
            return nil
        }
        switch type {
        case "Polygon":
            guard let single = polygon(coordinates) else { return nil }
            polygons = [single]
        case "MultiPolygon":
            guard let list = coordinates.arrayValue, !list.isEmpty else { return nil }
            var result: [[[GeoPoint]]] = []
            for item in list {
                guard let parsed = polygon(item) else { return nil }
                result.append(parsed)
            }
            polygons = result
        default:
            return nil
        }
    }

    /// Even-odd point-in-polygon over every ring (holes subtract).
    public func contains(_ point: GeoPoint) -> Bool {
        polygons.contains { rings in
            guard let outer = rings.first, Self.ringContains(outer, point) else { return false }
            return !rings.dropFirst().contains { Self.ringContains($0, point) }
        }
    }

    static func ringContains(_ ring: [GeoPoint], _ p: GeoPoint) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in 0..<ring.count {
            let a = ring[i]
            let b = ring[j]
            if (a.latitude > p.latitude) != (b.latitude > p.latitude) {
                let crossing =
                    (b.longitude - a.longitude) * (p.latitude - a.latitude) / (b.latitude - a.latitude)
                    + a.longitude
                if p.longitude < crossing { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// The bounding box (min lat, min lon, max lat, max lon).
    public var bounds: (minLatitude: Double, minLongitude: Double, maxLatitude: Double, maxLongitude: Double)
    {
        let points = polygons.flatMap { $0.flatMap { $0 } }
        return (
            points.map(\.latitude).min() ?? 0, points.map(\.longitude).min() ?? 0,
            points.map(\.latitude).max() ?? 0, points.map(\.longitude).max() ?? 0
        )
    }
}
