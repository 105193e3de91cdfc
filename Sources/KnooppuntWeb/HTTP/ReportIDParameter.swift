import Hummingbird
import KnooppuntDomain
import KnooppuntProtocol

extension Parameters {
    /// The report id in the path's `:id`: 400 E210 when it is not one. One rule for the desk's
    /// and the screen's routes.
    func reportID() throws -> ReportID {
        let text = get("id") ?? ""
        guard let id = ReportID(text) else {
            throw APIError(
                .badRequest, .invalidID, "\(text.prefix(80)) is not a report id (a lowercase UUID)")
        }
        return id
    }
}
