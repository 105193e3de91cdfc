import Foundation
import KnooppuntDomain

/// Turns WGS84 longitude/latitude into SVG coordinates for a map of the Netherlands.
///
/// An equirectangular projection around the country's middle latitude: longitudes are
/// shortened by cos(latitude) so shapes keep their proportions. Over the 3° of latitude the
/// country spans this differs from the national grid (RD) by less than a pixel's worth at
/// screen sizes, and it needs no projection library.
public struct MapProjection: Sendable, Hashable {
    public let minLongitude: Double
    public let maxLatitude: Double
    /// SVG units per degree of latitude.
    public let scale: Double
    /// cos(middle latitude): how much shorter a degree of longitude is.
    public let longitudeFactor: Double
    public let margin: Double
    public let width: Double
    public let height: Double

    /// A projection that fits `bounds` into `width` units wide (plus a margin on each side).
    public init(
        bounds: (minLatitude: Double, minLongitude: Double, maxLatitude: Double, maxLongitude: Double),
        width: Double, margin: Double = 10
    ) {
        precondition(bounds.maxLongitude > bounds.minLongitude && bounds.maxLatitude > bounds.minLatitude)
        let middle = (bounds.minLatitude + bounds.maxLatitude) / 2
        longitudeFactor = cos(middle * .pi / 180)
        minLongitude = bounds.minLongitude
        maxLatitude = bounds.maxLatitude
        self.margin = margin
        let inner = width - 2 * margin
        scale = inner / ((bounds.maxLongitude - bounds.minLongitude) * longitudeFactor)
        self.width = width
        height = ((bounds.maxLatitude - bounds.minLatitude) * scale + 2 * margin).rounded(.up)
    }

    /// The projection that fits every safety region of `reference` into `width` units.
    public static func netherlands(
        _ reference: ReferenceData = .builtIn, width: Double = 600
    ) -> MapProjection {
        var bounds = (minLatitude: 90.0, minLongitude: 180.0, maxLatitude: -90.0, maxLongitude: -180.0)
        for area in reference.regionAreas.values {
            let b = area.bounds
            bounds.minLatitude = min(bounds.minLatitude, b.minLatitude)
            bounds.minLongitude = min(bounds.minLongitude, b.minLongitude)
            bounds.maxLatitude = max(bounds.maxLatitude, b.maxLatitude)
            bounds.maxLongitude = max(bounds.maxLongitude, b.maxLongitude)
        }
        return MapProjection(bounds: bounds, width: width)
    }

    /// SVG x (to the right) and y (downwards) of a point.
    public func project(_ point: GeoPoint) -> (x: Double, y: Double) {
        (
            margin + (point.longitude - minLongitude) * longitudeFactor * scale,
            margin + (maxLatitude - point.latitude) * scale
        )
    }

    /// The WGS84 point at SVG coordinates (the inverse of ``project(_:)``).
    public func unproject(x: Double, y: Double) -> GeoPoint {
        GeoPoint(
            latitude: maxLatitude - (y - margin) / scale,
            longitude: minLongitude + (x - margin) / (longitudeFactor * scale))
    }
}
