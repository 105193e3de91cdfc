import Hummingbird
import KnooppuntDomain
import KnooppuntProtocol

/// `GET /incidents/{id}/report` (`?lang=nl|en`, else the language cookie; `?exercise=true`): the printable situation report
/// of an incident from the reader's own picture, and its stylesheet. Behind the login, like
/// every page.
enum ReportRoute {
    static func add<Context: RequestContext>(
        to router: Router<Context>, reader: OrganisationCode,
        digest: @escaping @Sendable () async throws -> PictureDigest
    ) {
        WebAssets.add(["print.css"], to: router)
        router.get("incidents/:id/report") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard IncidentID(id) != nil else {
                throw APIError(.badRequest, .invalidID, "\(id.prefix(80)) is not an incident id")
            }
            let exercise = request.uri.queryParameters.get("exercise") == "true"
            let picture = try await digest()
            guard let incident = picture.incident(id, exercise: exercise) else {
                throw APIError(
                    .notFound, .unknownIncident, "incident \(id) is not in the picture of \(reader)")
            }
            let (language, setCookie) = ScreenLanguage.chosen(by: request)
            var response = HTTPReply.asset(
                SituationReport.html(incident, reader: reader, now: picture.now, language: language),
                type: "text/html; charset=utf-8")
            if let setCookie { response.headers[.setCookie] = setCookie }
            return response
        }
    }
}
