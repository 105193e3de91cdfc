import KnooppuntDomain
import Testing

@testable import KnooppuntWeb

@Suite("The map of the safety regions")
struct RegionMapTests {
    let map = RegionMap.netherlands

    @Test("the map draws all 25 safety regions, each with a labelled outline")
    func twentyFiveLabelledRegions() {
        #expect(map.regions.map(\.code) == OrganisationCode.safetyRegions)
        let svg = map.svg
        for region in map.regions {
            #expect(svg.contains("id=\"region-\(region.code)\" data-region=\"\(region.code)\""))
            #expect(svg.contains("id=\"label-\(region.code)\""))
            #expect(svg.contains(">\(region.code)</text>"))
            #expect(svg.contains("aria-label=\"\(region.code) \(HTML.escape(region.name))\""))
            #expect(region.path.hasPrefix("M") && region.path.hasSuffix("Z"))
        }
        #expect(svg.components(separatedBy: "class=\"region\"").count - 1 == 25)
        #expect(svg.components(separatedBy: "class=\"label\"").count - 1 == 25)
    }

    @Test("the map names its source: CBS / PDOK")
    func attribution() {
        #expect(map.svg.contains("CBS / PDOK"))
        for language in ScreenLanguage.allCases {
            #expect(DeskPage.html(language).contains("CBS / PDOK"))
        }
    }

    @Test("the projection keeps north up and east right, inside the drawing")
    func projectionSanity() {
        let projection = map.projection
        let groningen = projection.project(GeoPoint(latitude: 53.219, longitude: 6.567))
        let maastricht = projection.project(GeoPoint(latitude: 50.851, longitude: 5.691))
        let denHaag = projection.project(GeoPoint(latitude: 52.078, longitude: 4.288))
        let utrecht = projection.project(GeoPoint(latitude: 52.089, longitude: 5.110))
        #expect(groningen.y < maastricht.y)
        #expect(groningen.x > maastricht.x)
        #expect(denHaag.x < utrecht.x)
        #expect(abs(denHaag.y - utrecht.y) < 5)
        for area in ReferenceData.builtIn.regionAreas.values {
            for point in area.polygons.flatMap({ $0.flatMap { $0 } }) {
                let (x, y) = projection.project(point)
                #expect(x >= 0 && x <= projection.width && y >= 0 && y <= projection.height)
            }
        }
        // A degree of longitude is shorter than one of latitude at 52°N (about 0.61).
        let east = projection.project(GeoPoint(latitude: 52, longitude: 6))
        let west = projection.project(GeoPoint(latitude: 52, longitude: 5))
        let north = projection.project(GeoPoint(latitude: 53, longitude: 5))
        let ratio = (east.x - west.x) / (west.y - north.y)
        #expect(ratio > 0.58 && ratio < 0.64)
    }

    @Test("projecting and back gives the same place")
    func roundTrip() {
        let projection = map.projection
        let point = GeoPoint(latitude: 52.0894, longitude: 5.1077)
        let (x, y) = projection.project(point)
        let back = projection.unproject(x: x, y: y)
        #expect(abs(back.latitude - point.latitude) < 1e-9)
        #expect(abs(back.longitude - point.longitude) < 1e-9)
    }

    @Test("every label sits inside its own region")
    func labelsInside() {
        for region in map.regions {
            let point = map.projection.unproject(x: region.labelX, y: region.labelY)
            #expect(
                ReferenceData.builtIn.region(containing: point) == region.code,
                "label of \(region.code) is at \(point)")
        }
    }
}
