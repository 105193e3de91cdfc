import KnooppuntDomain

/// The phrases of the GRIP lines people read: the advice ("Scale up to GRIP 3: …") and
/// time-to-GRIP-3 ("GRIP 3 after 48m …"), in English (the terminal, the API's `message`) and
/// Dutch (the screens). One sentence shape, two sets of words.
public struct GRIPWords: Sendable {
    let scaleUp: String
    let supraRegional: String
    let terroristAttack: String
    let touches: String
    let and: String
    let atLevel: String
    let withoutGRIP: String
    let reachedAfter: String
    let notReachedAfter: String
    let afterMark: String
    let stated: String
    let afterStart: String
    /// What the hour is called in a duration ("1h05m", "1u05m").
    let hour: String

    public static let english = GRIPWords(
        scaleUp: "Scale up to", supraRegional: " (supra-regional coordination)",
        terroristAttack: "a possible terrorist attack", touches: "it touches", and: " and ", atLevel: "at",
        withoutGRIP: "without a GRIP level", reachedAfter: "GRIP 3 after", notReachedAfter: "no GRIP 3 after",
        afterMark: "after the terrorist mark", stated: "stated", afterStart: "after the start", hour: "h")

    public static let dutch = GRIPWords(
        scaleUp: "Opschalen naar", supraRegional: " (bovenregionale coördinatie)",
        terroristAttack: "mogelijke terroristische aanslag", touches: "raakt", and: " en ", atLevel: "nu op",
        withoutGRIP: "nu zonder GRIP", reachedAfter: "GRIP 3 na", notReachedAfter: "geen GRIP 3 na",
        afterMark: "na de markering als mogelijke aanslag", stated: "opgegeven", afterStart: "na de start",
        hour: "u")

    func duration(_ milliseconds: Int64) -> String {
        let text = durationText(milliseconds: milliseconds)
        return hour == "h" ? text : text.replacingOccurrences(of: "h", with: hour)
    }

    /// "Scale up to GRIP 3: a possible terrorist attack, without a GRIP level."
    func advice(target: GRIPLevel, reasons: [GRIPAdvice.Reason], state: IncidentGRIPState) -> String {
        var why: [String] = []
        if reasons.contains(.possibleTerroristAttack) { why.append(terroristAttack) }
        if reasons.contains(.severalRegions) {
            why.append("\(touches) \(state.regions.map(\.rawValue).joined(separator: ", "))")
        }
        let now = state.grip.map { "\(atLevel) \($0.label)" } ?? withoutGRIP
        return "\(scaleUp) \(target.label)\(target == .grip5 ? supraRegional : ""): "
            + "\(why.joined(separator: and)), \(now)."
    }

    /// "GRIP 3 after 48m, 2m after the terrorist mark (stated: 50m after the start)".
    func gripThree(_ timing: GRIPThreeTiming) -> String {
        var text =
            "\(timing.reached == nil ? notReachedAfter : reachedAfter) \(duration(timing.afterOpenedMs ?? 0))"
        guard timing.reached != nil else { return text }
        if let advice = timing.afterAdviceMs { text += ", \(duration(advice)) \(afterMark)" }
        if let stated = timing.statedMs { text += " (\(self.stated): \(duration(stated)) \(afterStart))" }
        return text
    }
}

extension IncidentGRIPState {
    /// "GRIP 3 after 48m (stated: 50m after the start)", "no GRIP 3 after 1h12m".
    public var gripThreeText: String { GRIPWords.english.gripThree(gripThree) }
    /// The same in Dutch: "GRIP 3 na 48m", "geen GRIP 3 na 1u12m".
    public var dutchGRIPThreeText: String { GRIPWords.dutch.gripThree(gripThree) }
}
