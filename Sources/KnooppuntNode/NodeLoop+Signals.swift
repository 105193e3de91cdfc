import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol

extension NodeLoop {
    /// The envelope of an accepted signal: from the batch being decided, else from the
    /// picture (a signal's key is its own, so the picture keeps it). Its sections'
    /// classification names the readers its acknowledgements and follow-ups must have.
    func signalEnvelope(_ id: ReportID, pending: Pending) -> Envelope? {
        if let item = pending.accepted.first(where: { $0.update.report.id == id }) {
            return item.update.report.envelope
        }
        for key in ["signal/\(id)", "exercise/signal/\(id)"] {
            if let entry = picture.entries[key] { return entry.report.envelope }
        }
        return nil
    }
}
