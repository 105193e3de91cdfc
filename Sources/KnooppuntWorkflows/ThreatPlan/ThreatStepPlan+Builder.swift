import KnooppuntDomain

extension ThreatStepPlan {
    /// Collects the reports of one step, each with its own id so an acknowledgement request
    /// can name the report it follows.
    struct Builder {
        let area: ThreatArea
        let exercise: Bool
        let author: String?
        private(set) var reports: [PlannedReport] = []

        init(area: ThreatArea, exercise: Bool, author: String?) {
            self.area = area
            self.exercise = exercise
            self.author = author
        }

        @discardableResult
        mutating func threat(
            _ step: ThreatStep, level: Int, reason: String, advice: String? = nil, reviewAt: Timestamp? = nil,
            classification: Classification, _ random: inout some RandomNumberGenerator
        ) -> ReportID {
            let id = ReportID.random(using: &random)
            let change = ThreatLevelChange(
                area: area, level: level, step: step, reason: reason, actionAdvice: advice,
                reviewAt: reviewAt.map(Self.seconds), classification: classification)
            reports.append(
                PlannedReport(
                    document: ReportDocument(
                        id: id, exercise: exercise, author: author, body: .threat(change)),
                    summary: "\(step.rawValue) level \(level) for \(area)"))
            return id
        }

        mutating func ackRequest(
            _ subject: ReportID, parties: [OrganisationCode], deadline: Timestamp, note: String,
            _ random: inout some RandomNumberGenerator
        ) {
            guard !parties.isEmpty else { return }
            let request = AcknowledgementRequest(
                subject: subject, parties: OrganisationSet(parties), deadline: Self.seconds(deadline),
                note: note,
                classification: .parties(OrganisationSet(parties + [.nctv, .national])))
            reports.append(
                PlannedReport(
                    document: ReportDocument(
                        id: ReportID.random(using: &random), exercise: exercise, author: author,
                        body: .ackRequest(request)),
                    summary:
                        "acknowledgement requested from \(parties.map(\.rawValue).joined(separator: ", ")) by \(Self.seconds(deadline).rfc3339Seconds)"
                ))
        }

        /// Whole seconds in Europe/Amsterdam time: what people read, and what CAP accepts.
        static func seconds(_ time: Timestamp) -> Timestamp {
            Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch / 1000 * 1000).inAmsterdam
        }
    }
}
