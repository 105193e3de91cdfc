import Dispatch

/// Frees what a pass of the loop is done with on a thread of its own.
///
/// At full load a pass reads and decides hundreds of reports; freeing their messages,
/// documents and lists at the end of the pass took about a twentieth of the loop's time, and
/// the loop is what bounds the node's throughput. Only the last reference is handed over:
/// nothing here is read again, so the other thread merely runs the deinitialisers.
enum OffLoopRelease {
    private static let queue = DispatchQueue(label: "knooppunt.node.release", qos: .utility)

    /// Holds the value until the release queue lets it go. Unchecked: the loop gives up the
    /// value when it makes the box, and the queue only destroys it.
    private final class Box<Value>: @unchecked Sendable {
        var value: Value?
        init(_ value: consuming Value) { self.value = value }
    }

    static func release<Value>(_ value: consuming Value) {
        let box = Box(value)
        queue.async { box.value = nil }
    }
}
