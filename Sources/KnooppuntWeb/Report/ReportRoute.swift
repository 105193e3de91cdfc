import HTTPTypes
import Hummingbird
import KnooppuntDomain
import KnooppuntProtocol

/// `GET /incidents/{id}/report` (`?lang=nl|en`, else the language cookie; `?exercise=true`;
/// `?since=` a time, RFC 3339 or `YYYY-MM-DDTHH:MM` in Europe/Amsterdam, for the "gewijzigd
/// sinds" part): the printable situation report of an incident from the reader's own picture,
/// and its stylesheet. `GET /incidents/{id}/report.pdf` with the same parameters: the same
/// report as a PDF, printed by a headless Chromium (503 with a Dutch message when none is
/// installed; see ``ReportPDF``). Behind the login, like every page.
enum ReportRoute {
    static func add<Context: RequestContext>(
        to router: Router<Context>, reader: OrganisationCode,
        digest: @escaping @Sendable () async throws -> PictureDigest
    ) {
        WebAssets.add(["print.css"], to: router)
        @Sendable func report(
            _ request: Request, _ context: Context, forPDF: Bool
        ) async throws -> (
            String, String?
        ) {
            let id = context.parameters.get("id") ?? ""
            guard IncidentID(id) != nil else {
                throw APIError(.badRequest, .invalidID, "\(id.prefix(80)) is not an incident id")
            }
            let exercise = request.uri.queryParameters.get("exercise") == "true"
            var since: Int64?
            if let text = request.uri.queryParameters.get("since"), !text.isEmpty {
                guard let moment = ReadableTime.parse(text) else {
                    throw APIError(
                        .badRequest, .invalidTimestamp,
                        "since \(text.prefix(40)) is not a time (RFC 3339, or YYYY-MM-DDTHH:MM in Europe/Amsterdam)"
                    )
                }
                since = moment
            }
            let picture = try await digest()
            guard let incident = picture.incident(id, exercise: exercise) else {
                throw APIError(
                    .notFound, .unknownIncident, "incident \(id) is not in the picture of \(reader)")
            }
            let (language, setCookie) = ScreenLanguage.chosen(by: request)
            let options = SituationReport.Options(
                reader: reader, now: picture.now, language: language, since: since, forPDF: forPDF)
            return (SituationReport.html(incident, options), setCookie)
        }
        router.get("incidents/:id/report") { request, context in
            let (page, setCookie) = try await report(request, context, forPDF: false)
            var response = HTTPReply.asset(page, type: "text/html; charset=utf-8")
            if let setCookie { response.headers[.setCookie] = setCookie }
            return response
        }
        router.get("incidents/:id/report.pdf") { request, context in
            let (page, _) = try await report(request, context, forPDF: true)
            guard let browser = ReportPDF.browser() else {
                return unavailable(ReportPDFText.noBrowser)
            }
            guard ReportPDF.reserve() else { return unavailable(ReportPDFText.busy) }
            defer { ReportPDF.release() }
            do {
                let bytes = try await ReportPDF.print(html: page, browser: browser)
                var response = HTTPReply.bytes(bytes, type: "application/pdf")
                let id = context.parameters.get("id") ?? "incident"
                response.headers[.contentDisposition] = "attachment; filename=\"situatierapport-\(id).pdf\""
                return response
            } catch {
                return unavailable(ReportPDFText.printFailed)
            }
        }
    }

    /// 503 with a short Dutch page (the link is followed by a person, not a program), and the
    /// failure's stable name in `X-Knooppunt-Error`.
    static func unavailable(_ text: ReportPDFText) -> Response {
        let page = """
            <!doctype html>
            <html lang="nl"><head><meta charset="utf-8"><title>PDF niet beschikbaar</title></head>
            <body><main><h1>PDF niet beschikbaar</h1><p>\(HTML.escape(text.dutch))</p>
            <p lang="en">\(HTML.escape(text.english))</p></main></body></html>
            """
        var response = HTTPReply.asset(page, type: "text/html; charset=utf-8")
        response.status = .serviceUnavailable
        response.headers[HTTPField.Name("X-Knooppunt-Error")!] = text.rawValue
        return response
    }
}

/// Why a PDF could not be made; the raw value is the stable name sent in `X-Knooppunt-Error`.
enum ReportPDFText: String {
    case noBrowser = "pdfUnavailable"
    case printFailed = "pdfFailed"
    case busy = "pdfBusy"

    var dutch: String {
        switch self {
        case .noBrowser:
            "Op deze server is geen Chromium geïnstalleerd, dus kan de desk geen PDF maken. "
                + "Druk het rapport af vanuit de browser (Ctrl+P, kies ‘Opslaan als PDF’), "
                + "of laat de beheerder Chromium installeren (Debian: apt-get install chromium)."
        case .printFailed:
            "Het maken van de PDF is mislukt of duurde te lang. Probeer het opnieuw, "
                + "of druk het rapport af vanuit de browser (Ctrl+P)."
        case .busy:
            "De desk maakt al zoveel PDF's als hij tegelijk mag. Probeer het over een minuut opnieuw, "
                + "of druk het rapport af vanuit de browser (Ctrl+P)."
        }
    }

    var english: String {
        switch self {
        case .noBrowser:
            "No Chromium is installed on this server, so the desk cannot make a PDF. Print the "
                + "report from the browser (Ctrl+P, 'Save as PDF'), or have Chromium installed."
        case .printFailed:
            "Making the PDF failed or took too long. Try again, or print from the browser (Ctrl+P)."
        case .busy:
            "The desk is making as many PDFs at once as it may. Try again in a minute, or print from the browser (Ctrl+P)."
        }
    }
}
