/// The order in which the node decides what it read: one message of each sender in turn, so a
/// sender with thousands waiting (a flood, or a large resend) cannot put everyone else's reports
/// behind its own. Each sender's messages keep their order (per-origin order is a promise);
/// only the interleaving across senders changes. No I/O.
public enum FairShare {
    /// `items` interleaved round-robin by `key`, senders in order of their first item.
    public static func interleave<Item, Key: Hashable>(_ items: [Item], by key: (Item) -> Key) -> [Item] {
        var queues: [[Item]] = []
        var slot: [Key: Int] = [:]
        for item in items {
            let sender = key(item)
            if let index = slot[sender] {
                queues[index].append(item)
            } else {
                slot[sender] = queues.count
                queues.append([item])
            }
        }
        // One sender (the usual case under no contention): nothing to reorder.
        guard queues.count > 1 else { return items }
        var result: [Item] = []
        result.reserveCapacity(items.count)
        var round = 0
        while result.count < items.count {
            for queue in queues where round < queue.count { result.append(queue[round]) }
            round += 1
        }
        return result
    }
}
