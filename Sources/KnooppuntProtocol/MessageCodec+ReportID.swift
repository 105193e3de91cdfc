import KnooppuntDomain
import StrictJSON

extension MessageCodec {
    /// The report id a SUBMIT names, read leniently from its envelope part, for a refusal of a
    /// message that did not decode (E102, E204, E217, ...) or was not decoded (E500).
    ///
    /// Why: such a refusal does not use up the origin sequence, so every later report of the
    /// organisation gets E400 until the client resends this one; naming it tells the client
    /// which report to fix without working the gap out from `expected` (docs/PROTOCOL.md §7.1).
    /// Nil when the message is not a SUBMIT or its envelope holds no readable id.
    public static func submittedReportID(_ parts: [[UInt8]]) -> ReportID? {
        guard parts.count >= 3, parts[0] == protocolSignature, parts[1] == Array("SUBMIT".utf8),
            parts[2].count <= WireLimits.maxEnvelopeBytes,
            case .object(let envelope)? = try? JSONParser.parse(parts[2]),
            case .string(let id)? = envelope["id"]
        else { return nil }
        return ReportID(id)
    }
}
