import KnooppuntDomain
import KnooppuntProtocol

extension CAPExport {
    /// Builds the alert for `update` (a sitrep with crisis communication or a threat level).
    /// - Parameters:
    ///   - context: the incident's incident reports and GRIP changes (any order); only those
    ///     committed up to `update` are used, so an old report exports as it stood then.
    ///   - msgType: `.update` and `.cancel` need `references`.
    public func alert(
        from update: Update, context: [Update] = [], msgType: CAPAlert.MessageType = .alert,
        references: [CAPAlert.Reference] = []
    ) throws -> CAPAlert {
        guard (msgType == .alert) == references.isEmpty else {
            throw WorkflowError(
                .invalidRequest,
                msgType == .alert
                    ? "an Alert names no earlier alerts; references make it an Update or a Cancel"
                    : "an \(msgType.rawValue) names the earlier alert(s) it replaces (--update-of)")
        }
        let document: ReportDocument
        do {
            document = try update.report.document(codec: codec)
        } catch {
            throw WorkflowError(
                .nothingToExport, "report \(update.report.id) cannot be read in full: \(error.first)")
        }
        let envelope = update.report.envelope
        var alert = CAPAlert(
            identifier: Self.identifier(report: envelope.id, msgType: msgType),
            sender: Self.sender(envelope.origin), sent: Self.sent(update),
            status: envelope.exercise ? .exercise : .actual, msgType: msgType, source: "Knooppunt",
            scope: .publicScope, restriction: nil,
            note: envelope.exercise
                ? "OEFENING: dit bericht hoort bij een oefening en is geen echte melding." : nil,
            references: references, incidents: [], info: [])
        let audience: Classification
        switch document.body {
        case .sitrep(let sitrep):
            guard let communication = sitrep.communicatie else {
                throw WorkflowError(
                    .nothingToExport, "sitrep \(envelope.id) carries no crisis communication (communicatie)")
            }
            audience = communication.classification
            let earlier = context.filter { $0.sequence <= update.sequence }
            alert.incidents = [sitrep.incident.rawValue]
            alert.info = [
                sitrepInfo(
                    sitrep, communication, update: update,
                    incident: latestIncident(earlier, audience: audience),
                    grip: latestGRIP(earlier, audience: audience), cancel: msgType == .cancel)
            ]
        case .threat(let threat):
            guard threat.actionAdvice != nil || msgType == .cancel else {
                throw WorkflowError(
                    .nothingToExport,
                    "threat report \(envelope.id) (level \(threat.level), step \(threat.step.rawValue)) carries no action advice"
                )
            }
            audience = threat.classification
            alert.info = [threatInfo(threat, update: update, cancel: msgType == .cancel)]
        default:
            throw WorkflowError(
                .nothingToExport,
                "report \(envelope.id) is a \(envelope.type.rawValue); only sitreps with crisis communication and threat levels carry action advice"
            )
        }
        if audience != .publicInformation {
            alert.scope = .restricted
            alert.restriction =
                "Niet openbaar (Knooppunt-classificatie \(audience)): alleen voor de genoemde crisispartners."
        }
        return alert
    }

    private func sitrepInfo(
        _ sitrep: Sitrep, _ communication: CrisisCommunication, update: Update, incident: Incident?,
        grip: GRIPLevel?, cancel: Bool
    ) -> CAPAlert.Info {
        var parameters = [
            CAPAlert.Parameter("knooppunt-rapport", update.report.id.rawValue),
            CAPAlert.Parameter("knooppunt-volgnummer", String(update.sequence)),
        ]
        if let grip { parameters.append(CAPAlert.Parameter("GRIP", grip.rawValue)) }
        var event = CAPMapping.event(incident?.kind)
        if let title = incident?.title { event += ": \(title)" }
        return CAPAlert.Info(
            categories: [CAPMapping.category(incident?.kind)], event: event,
            responseTypes: CAPMapping.responseTypes(advice: communication.actionAdvice, cancel: cancel),
            urgency: CAPMapping.urgency(status: incident?.status, cancel: cancel),
            severity: CAPMapping.severity(grip: grip, kind: incident?.kind),
            certainty: CAPMapping.certainty(sitrep.verification, sitrep.confidence),
            senderName: senderName(update.report.origin), headline: Self.headline(communication.coreMessage),
            description: communication.coreMessage, instruction: communication.actionAdvice,
            parameters: parameters, areas: areas(communication.targetArea, incident: incident))
    }

    private func threatInfo(_ threat: ThreatLevelChange, update: Update, cancel: Bool) -> CAPAlert.Info {
        let name = reference.threatLevels[threat.level]?.name ?? "?"
        let province: ProvinceCode? =
            if case .province(let code) = threat.area { code } else { nil }
        let areas = CAPAreas(reference: reference)
        return CAPAlert.Info(
            categories: [.security], event: "Dreigingsniveau \(threat.level) (\(name))",
            responseTypes: CAPMapping.responseTypes(advice: threat.actionAdvice, cancel: cancel),
            urgency: CAPMapping.urgency(threatLevel: threat.level, step: threat.step, cancel: cancel),
            severity: CAPMapping.severity(threatLevel: threat.level),
            certainty: CAPMapping.certainty(threatLevel: threat.level), expires: threat.reviewAt,
            senderName: senderName(update.report.origin),
            headline: Self.headline(
                "Dreigingsniveau \(threat.level) (\(name)) voor \(areaName(threat.area))"),
            description: threat.reason, instruction: threat.actionAdvice,
            parameters: [
                CAPAlert.Parameter("knooppunt-rapport", update.report.id.rawValue),
                CAPAlert.Parameter("knooppunt-volgnummer", String(update.sequence)),
                CAPAlert.Parameter("dreigingsniveau", String(threat.level)),
                CAPAlert.Parameter("stap", threat.step.rawValue),
            ],
            areas: threat.area.regions(in: reference).map { areas.region($0, province: province) })
    }

    /// One area per region (polygons), one per municipality (named and coded); a circle around
    /// the incident's point when no region is named, so the alert always has a shape.
    private func areas(_ target: TargetArea, incident: Incident?) -> [CAPAlert.Area] {
        let areas = CAPAreas(reference: reference)
        var result = target.regions.map { areas.region($0) }
        result += target.municipalities.map { areas.municipality($0) }
        if target.regions.isEmpty, let point = incident?.location.point {
            result.append(
                areas.circle(
                    around: point, radiusKilometres: incidentCircleKilometres,
                    description: incident?.location.description ?? "Omgeving van het incident"))
        }
        return result
    }

    private func areaName(_ area: ThreatArea) -> String {
        switch area {
        case .national: "Nederland"
        case .province(let code): "de provincie \(reference.provinces[code] ?? code.rawValue)"
        case .region(let code): "veiligheidsregio \(reference.regions[code]?.name ?? code.rawValue)"
        }
    }

    func senderName(_ origin: OrganisationCode) -> String {
        switch origin.kind {
        case .national: "Landelijk Knooppunt (LOCC/NCC)"
        case .nctv: "Nationaal Coördinator Terrorismebestrijding en Veiligheid"
        case .police: "Politie"
        case .safetyRegion: "Veiligheidsregio \(reference.regions[origin]?.name ?? origin.rawValue)"
        default: OrganisationRegistry.installed.organisation(origin)?.name ?? origin.rawValue
        }
    }

    /// CAP asks for a headline of at most 160 characters.
    static func headline(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count <= 160 ? line : String(line.prefix(159)) + "…"
    }

    // MARK: Context

    private func latestIncident(_ context: [Update], audience: Classification) -> Incident? {
        let incidents = context.sorted { $0.sequence < $1.sequence }.compactMap { update -> Incident? in
            guard case .incident(let incident)? = try? update.report.document(codec: codec).body else {
                return nil
            }
            return incident
        }
        guard let latest = incidents.last, Self.mayShow(latest.classification, in: audience) else {
            return nil
        }
        return latest
    }

    private func latestGRIP(_ context: [Update], audience: Classification) -> GRIPLevel? {
        let changes = context.sorted { $0.sequence < $1.sequence }.compactMap { update -> GRIPChange? in
            guard case .grip(let change)? = try? update.report.document(codec: codec).body else { return nil }
            return change
        }
        guard let latest = changes.last, Self.mayShow(latest.classification, in: audience) else { return nil }
        return latest.level
    }

    /// Whether content classified `source` may appear in an alert for `audience`: a public
    /// alert takes only public content; another alert only content every one of its readers
    /// may read.
    static func mayShow(_ source: Classification, in audience: Classification) -> Bool {
        if audience == .publicInformation { return source == .publicInformation }
        let readers = audience.readers
        return source.readers.isSuperset(of: readers)
    }
}
