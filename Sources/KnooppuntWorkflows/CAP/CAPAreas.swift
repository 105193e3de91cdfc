import KnooppuntDomain

/// CAP areas from Knooppunt's reference data: one `<area>` per safety region with one
/// `<polygon>` per part of its boundary, one per municipality (named and coded: the reference
/// data holds region boundaries only), or a circle around a point.
struct CAPAreas {
    let reference: ReferenceData

    /// A safety region: every part of its (multi)polygon as a closed ring, latitude first.
    /// CAP has no holes, so a region's inner rings are left out: the alert may cover an
    /// enclave of another region (VR19 is the only region with inner rings).
    func region(_ code: OrganisationCode, province: ProvinceCode? = nil) -> CAPAlert.Area {
        var geocodes = [CAPAlert.Parameter("veiligheidsregio", code.rawValue)]
        if let province { geocodes.append(CAPAlert.Parameter("provincie", province.rawValue)) }
        let rings = reference.regionAreas[code]?.polygons.compactMap { $0.first.flatMap(Self.closed) } ?? []
        return CAPAlert.Area(
            description: "Veiligheidsregio \(reference.regions[code]?.name ?? code.rawValue)",
            polygons: rings,
            geocodes: geocodes)
    }

    func municipality(_ code: MunicipalityCode) -> CAPAlert.Area {
        CAPAlert.Area(
            description: "Gemeente \(reference.municipalities[code]?.name ?? code.rawValue)",
            geocodes: [CAPAlert.Parameter("gemeente", code.rawValue)])
    }

    func circle(around point: GeoPoint, radiusKilometres: Double, description: String) -> CAPAlert.Area {
        CAPAlert.Area(
            description: description,
            circles: [CAPAlert.Circle(centre: point, radiusKilometres: radiusKilometres)])
    }

    /// A ring CAP accepts: first point repeated at the end, at least four points; nil for a
    /// degenerate ring.
    static func closed(_ ring: [GeoPoint]) -> [GeoPoint]? {
        guard let first = ring.first else { return nil }
        let closed = ring.last == first ? ring : ring + [first]
        return closed.count >= 4 ? closed : nil
    }
}
