import Metrics

/// The desk's own metrics (next to Hummingbird's request metrics) on `/metrics`.
struct DeskMetrics {
    /// The sequence of the desk's picture.
    let applied = Gauge(label: "knooppunt_desk_picture_sequence")
    /// How far the desk's picture is behind the node's last sequence.
    let lag = Gauge(label: "knooppunt_desk_picture_lag")
    /// 1 while the followed node is heard and the picture is current, else 0.
    let live = Gauge(label: "knooppunt_desk_live")
    /// Desk officers' reports the node has not accepted yet.
    let queued = Gauge(label: "knooppunt_desk_outbox_backlog")

    func record(applied sequence: UInt64, nodeLast: UInt64, state: LinkState, queued backlog: Int) {
        applied.record(Int64(sequence))
        lag.record(Int64(nodeLast > sequence ? nodeLast - sequence : 0))
        live.record(state == .live ? 1 : 0)
        queued.record(backlog)
    }
}
