extension CAPAlert {
    // The closed code lists of CAP 1.2 `<info>`; raw values are the schema's spelling.

    public enum Category: String, Sendable, Hashable, CaseIterable {
        case geo = "Geo", met = "Met", safety = "Safety", security = "Security", rescue = "Rescue"
        case fire = "Fire", health = "Health", env = "Env", transport = "Transport", infra = "Infra"
        case cbrne = "CBRNE", other = "Other"
    }

    public enum ResponseType: String, Sendable, Hashable, CaseIterable {
        case shelter = "Shelter", evacuate = "Evacuate", prepare = "Prepare", execute = "Execute"
        case avoid = "Avoid", monitor = "Monitor", assess = "Assess", allClear = "AllClear", none = "None"
    }

    public enum Urgency: String, Sendable, Hashable, CaseIterable {
        case immediate = "Immediate", expected = "Expected", future = "Future", past = "Past"
        case unknown = "Unknown"
    }

    public enum Severity: String, Sendable, Hashable, CaseIterable {
        case extreme = "Extreme", severe = "Severe", moderate = "Moderate", minor = "Minor"
        case unknown = "Unknown"
    }

    public enum Certainty: String, Sendable, Hashable, CaseIterable {
        case observed = "Observed", likely = "Likely", possible = "Possible", unlikely = "Unlikely"
        case unknown = "Unknown"
    }
}
