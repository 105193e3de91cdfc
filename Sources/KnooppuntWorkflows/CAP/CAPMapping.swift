import KnooppuntDomain

/// How Knooppunt's domain maps onto CAP's closed code lists. Each choice is written down here
/// so a receiver (NL-Alert, a warning app) can predict what it gets.
enum CAPMapping {
    /// Category by incident kind. Attacks, shootings and hostage takings are `Security` (CAP:
    /// "law enforcement, military, homeland and local/private security"); explosions and
    /// releases are `CBRNE`; floods and storms are `Met` (CAP files floods under
    /// meteorological); disorder and evacuations are `Safety`; unknown is `Other`.
    static func category(_ kind: IncidentKind?) -> CAPAlert.Category {
        switch kind {
        case .fire: .fire
        case .explosion, .chemicalRelease, .nuclear: .cbrne
        case .shooting, .stabbing, .possibleTerroristAttack, .hostageSituation: .security
        case .flood, .storm: .met
        case .infectiousDisease: .health
        case .transportAccident: .transport
        case .infrastructureFailure, .cyberIncident: .infra
        case .publicOrder, .evacuation: .safety
        case .other, nil: .other
        }
    }

    /// The `<event>` text in Dutch, as the public knows the kind.
    static func event(_ kind: IncidentKind?) -> String {
        switch kind {
        case .fire: "Brand"
        case .explosion: "Explosie"
        case .shooting: "Schietincident"
        case .stabbing: "Steekincident"
        case .possibleTerroristAttack: "Mogelijke terroristische aanslag"
        case .hostageSituation: "Gijzeling"
        case .flood: "Overstroming"
        case .storm: "Storm"
        case .chemicalRelease: "Vrijkomen gevaarlijke stoffen"
        case .nuclear: "Nucleair incident"
        case .infectiousDisease: "Infectieziekte"
        case .transportAccident: "Ongeval"
        case .infrastructureFailure: "Uitval vitale voorziening"
        case .cyberIncident: "Cyberincident"
        case .publicOrder: "Verstoring openbare orde"
        case .evacuation: "Evacuatie"
        case .other, nil: "Incident"
        }
    }

    /// Response types from the standard phrases of Dutch public warnings (NL-Alert writes
    /// "Blijf binnen", "Sluit ramen en deuren", "Mijd het gebied", "Verlaat het gebied"). The
    /// advice text is what people act on; this only helps receivers that sort by type. Without
    /// a known phrase the advice is to follow the news: `Monitor`. A cancel is `AllClear`.
    static func responseTypes(advice: String?, cancel: Bool) -> [CAPAlert.ResponseType] {
        if cancel { return [.allClear] }
        guard let advice = advice?.lowercased() else { return [.monitor] }
        var types: [CAPAlert.ResponseType] = []
        if ["blijf binnen", "ga naar binnen", "ramen en deuren"].contains(where: advice.contains) {
            types.append(.shelter)
        }
        if ["evacu", "verlaat het gebied", "verlaat de omgeving"].contains(where: advice.contains) {
            types.append(.evacuate)
        }
        if ["mijd", "ga niet naar", "blijf weg"].contains(where: advice.contains) { types.append(.avoid) }
        return types.isEmpty ? [.monitor] : types
    }

    // MARK: Incidents (a sitrep's crisis communication)

    /// Severity by the incident's GRIP level: 4 and up (several municipalities, regions, or
    /// national coordination) is `Extreme`, 3 (population care needed) `Severe`, lower or
    /// unknown `Moderate`. A possible attack, hostage taking or CBRN release is at least `Severe`.
    static func severity(grip: GRIPLevel?, kind: IncidentKind?) -> CAPAlert.Severity {
        let byGRIP: CAPAlert.Severity =
            switch grip {
            case .grip4?, .grip5?, .rijk?: .extreme
            case .grip3?: .severe
            default: .moderate
            }
        let grave: Set<IncidentKind> = [
            .possibleTerroristAttack, .hostageSituation, .chemicalRelease, .nuclear,
        ]
        if byGRIP == .moderate, let kind, grave.contains(kind) { return .severe }
        return byGRIP
    }

    /// An open incident's advice is for now (`Immediate`); a closed one's is `Past`.
    static func urgency(status: IncidentStatus?, cancel: Bool) -> CAPAlert.Urgency {
        cancel || status == .closed ? .past : .immediate
    }

    /// Certainty by the sitrep's verification: confirmed is `Observed`, retracted `Unlikely`;
    /// unconfirmed follows the reporter's confidence (low: `Possible`, else `Likely`).
    static func certainty(_ verification: VerificationStatus, _ confidence: Confidence) -> CAPAlert.Certainty
    {
        switch verification {
        case .confirmed: .observed
        case .retracted: .unlikely
        case .unconfirmed: confidence == .low ? .possible : .likely
        }
    }

    // MARK: Threat levels

    /// NCTV's five levels: 5 Kritiek `Extreme`, 4 Substantieel `Severe`, 3 Aanzienlijk
    /// `Moderate`, 2 Beperkt and 1 Minimaal `Minor`.
    static func severity(threatLevel level: Int) -> CAPAlert.Severity {
        switch level {
        case 5...: .extreme
        case 4: .severe
        case 3: .moderate
        default: .minor
        }
    }

    /// Level 5 means an attack is expected very soon: `Immediate`; 4 `Expected`; lower
    /// `Future`. A lowered level or a cancel is `Past`.
    static func urgency(threatLevel level: Int, step: ThreatStep, cancel: Bool) -> CAPAlert.Urgency {
        if cancel || step == .lowered { return .past }
        switch level {
        case 5...: return .immediate
        case 4: return .expected
        default: return .future
        }
    }

    /// Level 5 rests on concrete indications (`Likely`); 3 and 4 say an attack is conceivable
    /// (`Possible`); 1 and 2 that it is not expected (`Unlikely`).
    static func certainty(threatLevel level: Int) -> CAPAlert.Certainty {
        switch level {
        case 5...: .likely
        case 3, 4: .possible
        default: .unlikely
        }
    }
}
