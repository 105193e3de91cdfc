import KnooppuntDomain

/// The map of the 25 safety regions as SVG, drawn once from the boundaries built into the
/// program (CBS / PDOK, `config/reference/geo/veiligheidsregio_2025.geojson`).
///
/// Each region is a `<g class="region" data-region="VR09">` holding its outline; its label
/// (`<g class="label" data-region="VR09">`) carries the code and a line the page fills with the
/// threat level and GRIP as text, so nothing is told by colour alone.
public struct RegionMap: Sendable {
    public struct Region: Sendable {
        public let code: OrganisationCode
        public let name: String
        /// SVG path data of every ring (holes included; drawn with the even-odd rule).
        public let path: String
        /// Where the label goes: a point well inside the region's largest part.
        public let labelX: Double
        public let labelY: Double
    }

    public static let attribution = "Kaart: CBS / PDOK"

    public let projection: MapProjection
    public let regions: [Region]

    /// The map of the built-in reference data, made once per process.
    public static let netherlands = RegionMap(reference: .builtIn)

    public init(reference: ReferenceData, width: Double = 600) {
        let projection = MapProjection.netherlands(reference, width: width)
        self.projection = projection
        regions = reference.regionAreas.keys.sorted().map { code in
            let area = reference.regionAreas[code]!
            let rings = area.polygons.map { polygon in
                polygon.map { ring in ring.map { projection.project($0) } }
            }
            let path = rings.flatMap { $0 }.map(Self.pathData).joined()
            let label = Self.labelPoint(rings)
            return Region(
                code: code, name: reference.regions[code]?.name ?? code.rawValue, path: path,
                labelX: label.x, labelY: label.y)
        }
    }

    /// The map's title (its accessible name) when the page gives none.
    public static let dutchTitle =
        "Veiligheidsregio's van Nederland: dreigingsniveau (vulling) en GRIP (rand)"

    /// The whole map as an `<svg>` element (no XML prolog, for embedding in a page).
    public var svg: String { svg(title: Self.dutchTitle) }

    /// How much room a focused map leaves around its region, as a share of the region's size.
    static let focusMargin = 0.08
    /// Width over height of a focused map's view: the screen draws it in a box of this shape
    /// (`aspect-ratio: 8 / 5` in knooppunt.css), so the region fills the box.
    static let focusAspect = 1.6

    /// The map with `title` (plain text) as its title, in the language of the page around it.
    ///
    /// With `focus` (the operator screen) the drawing is the same but its view box frames
    /// that region, and the regions are scenery: not buttons, since choosing a region means
    /// nothing there (a click places the incident's point instead). Labels, the attribution
    /// and the points keep their size on the screen (`data-zoom` tells the script by how much
    /// the view is enlarged). `data-projection` carries the projection's numbers, so the
    /// page can turn a click into latitude and longitude with the server's own formula.
    public func svg(title: String, focus: OrganisationCode? = nil) -> String {
        let width = Int(projection.width)
        let height = Int(projection.height)
        var box = (x: 0.0, y: 0.0, width: projection.width, height: projection.height)
        if let focus, let framed = frame(focus) { box = framed }
        let zoom = projection.width / box.width
        let shrink = 1 / zoom
        let p = projection
        let numbers = [p.minLongitude, p.maxLatitude, p.scale, p.longitudeFactor, p.margin].map { "\($0)" }
        let viewBox = [box.x, box.y, box.width, box.height].map(Self.number).joined(separator: " ")
        let interactive = focus == nil
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" id="map" class="map\(interactive ? "" : " focused")" \
            viewBox="\(viewBox)" data-zoom="\(Self.number(zoom))" data-projection="\(numbers.joined(separator: " "))"\
            \(focus.map { " data-focus=\"\($0)\"" } ?? "") role="group" aria-labelledby="map-title">
            <title id="map-title">\(HTML.escape(title))</title>
            <g class="regions">

            """
        for region in regions {
            let name = HTML.escape(region.name)
            let control =
                interactive ? " tabindex=\"0\" role=\"button\" aria-label=\"\(region.code) \(name)\"" : ""
            out += """
                <g class="region" id="region-\(region.code)" data-region="\(region.code)"\(control)>\
                <title>\(region.code) \(name)</title>\
                <path class="area" fill="#dfe5eb" stroke="#5c6b7a" stroke-width="0.8" fill-rule="evenodd" d="\(region.path)"/></g>

                """
        }
        out += "</g>\n<g class=\"labels\" aria-hidden=\"true\">\n"
        let scale = interactive ? "" : " scale(\(Self.precise(shrink)))"
        for region in regions {
            let x = Self.number(region.labelX)
            let y = Self.number(region.labelY)
            out += """
                <g class="label" id="label-\(region.code)" data-region="\(region.code)" \
                transform="translate(\(x) \(y))\(scale)"><text class="code" text-anchor="middle" font-size="13" font-weight="700">\(region.code)</text>\
                <text class="state" text-anchor="middle" y="12" font-size="11">–</text></g>

                """
        }
        let corner =
            interactive
            ? (x: Double(width) - 6, y: Double(height) - 6)
            : (x: box.x + box.width - 6 * shrink, y: box.y + box.height - 6 * shrink)
        out += """
            </g>
            <text class="attribution" transform="translate(\(Self.number(corner.x)) \(Self.number(corner.y)))\(scale)" \
            text-anchor="end" font-size="11">\(Self.attribution)</text>
            </svg>
            """
        return out
    }

    /// The view box that frames `code` with ``focusMargin`` around it, widened or heightened
    /// to ``focusAspect``; nil for an organisation that is not a region (the whole map then).
    func frame(_ code: OrganisationCode) -> (x: Double, y: Double, width: Double, height: Double)? {
        guard let area = ReferenceData.builtIn.regionAreas[code] else { return nil }
        let b = area.bounds
        let topLeft = projection.project(GeoPoint(latitude: b.maxLatitude, longitude: b.minLongitude))
        let bottomRight = projection.project(GeoPoint(latitude: b.minLatitude, longitude: b.maxLongitude))
        var width = (bottomRight.x - topLeft.x) * (1 + 2 * Self.focusMargin)
        var height = (bottomRight.y - topLeft.y) * (1 + 2 * Self.focusMargin)
        let aspect = Self.focusAspect
        if width / height < aspect { width = height * aspect } else { height = width / aspect }
        let centre = ((topLeft.x + bottomRight.x) / 2, (topLeft.y + bottomRight.y) / 2)
        return (centre.0 - width / 2, centre.1 - height / 2, width, height)
    }

    static func pathData(_ ring: [(x: Double, y: Double)]) -> String {
        guard let first = ring.first else { return "" }
        var out = "M\(number(first.x)) \(number(first.y))"
        var last = (number(first.x), number(first.y))
        for point in ring.dropFirst() {
            let next = (number(point.x), number(point.y))
            // Points that round to the same spot add bytes, not shape.
            if next != last { out += "L\(next.0) \(next.1)" }
            last = next
        }
        return out + "Z"
    }

    /// One decimal: a tenth of an SVG unit is far below a screen pixel at any size we draw.
    static func number(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let whole = Int(tenths) / 10
        let fraction = abs(Int(tenths)) % 10
        return fraction == 0 ? String(whole) : "\(whole).\(fraction)"
    }

    /// Four decimals, for a scale factor (a tenth would round a region's zoom away).
    static func precise(_ value: Double) -> String {
        String((value * 10_000).rounded() / 10_000)
    }

    /// A point inside the largest polygon, as far from its outline as a coarse grid finds:
    /// a centroid can fall outside a curved region (or in the sea beside it).
    static func labelPoint(_ polygons: [[[(x: Double, y: Double)]]]) -> (x: Double, y: Double) {
        let largest = polygons.max { area($0.first ?? []) < area($1.first ?? []) } ?? []
        guard let outer = largest.first, !outer.isEmpty else { return (0, 0) }
        let xs = outer.map(\.x)
        let ys = outer.map(\.y)
        let (minX, maxX, minY, maxY) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
        var best = (x: (minX + maxX) / 2, y: (minY + maxY) / 2)
        var bestDistance = -1.0
        let steps = 32
        for i in 0...steps {
            for j in 0...steps {
                let point = (
                    x: minX + (maxX - minX) * Double(i) / Double(steps),
                    y: minY + (maxY - minY) * Double(j) / Double(steps)
                )
                guard contains(largest, point) else { continue }
                let distance = largest.map { distanceToRing($0, point) }.min() ?? 0
                if distance > bestDistance {
                    bestDistance = distance
                    best = point
                }
            }
        }
        return best
    }

    static func area(_ ring: [(x: Double, y: Double)]) -> Double {
        guard ring.count > 2 else { return 0 }
        var sum = 0.0
        for i in 0..<ring.count {
            let a = ring[i]
            let b = ring[(i + 1) % ring.count]
            sum += a.x * b.y - b.x * a.y
        }
        return abs(sum) / 2
    }

    /// Even-odd containment over the outer ring and its holes.
    static func contains(_ rings: [[(x: Double, y: Double)]], _ p: (x: Double, y: Double)) -> Bool {
        var inside = false
        for ring in rings {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let a = ring[i]
                let b = ring[j]
                if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }

    static func distanceToRing(_ ring: [(x: Double, y: Double)], _ p: (x: Double, y: Double)) -> Double {
        var best = Double.infinity
        for i in 0..<ring.count {
            let a = ring[i]
            let b = ring[(i + 1) % ring.count]
            let dx = b.x - a.x
            let dy = b.y - a.y
            let length = dx * dx + dy * dy
            let t = length == 0 ? 0 : max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length))
            let ex = a.x + t * dx - p.x
            let ey = a.y + t * dy - p.y
            best = min(best, (ex * ex + ey * ey).squareRoot())
        }
        return best
    }
}
