/// A set of organisations, of any size, kept sorted in the codes' stable order.
///
/// `contains` is called per view per report, so it is a binary search over the sorted
/// members comparing the codes' stored ranks first (the 28 never compare strings). Equal sets
/// have equal members in equal order, so hashing and iteration are deterministic, and a set of
/// the 28 iterates as the 32-bit set it replaces did (the wire form of `parties` is unchanged).
public struct OrganisationSet: Hashable, Sendable, Sequence {
    public private(set) var members: [OrganisationCode]

    public init() { members = [] }
    public init<S: Sequence>(_ codes: S) where S.Element == OrganisationCode {
        members = Array(Set(codes)).sorted()
    }

    /// Every organisation of the installed network (see ``OrganisationRegistry/installed``).
    public static var everyone: OrganisationSet { OrganisationRegistry.installed.everyone }

    /// Every organisation of a sorted, duplicate-free list (what a registry holds).
    init(sortedUnique: [OrganisationCode]) { members = sortedUnique }

    public func contains(_ code: OrganisationCode) -> Bool {
        let at = position(code)
        return at < members.count && members[at] == code
    }

    public mutating func insert(_ code: OrganisationCode) {
        let at = position(code)
        if at < members.count, members[at] == code { return }
        members.insert(code, at: at)
    }

    public mutating func remove(_ code: OrganisationCode) {
        let at = position(code)
        if at < members.count, members[at] == code { members.remove(at: at) }
    }

    /// Whether every member of `other` is a member of this set.
    public func isSuperset(of other: OrganisationSet) -> Bool { other.members.allSatisfy(contains) }

    public var isEmpty: Bool { members.isEmpty }
    public var count: Int { members.count }

    public func makeIterator() -> IndexingIterator<[OrganisationCode]> { members.makeIterator() }

    /// The first index whose member is not below `code` (binary search).
    private func position(_ code: OrganisationCode) -> Int {
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            if members[middle] < code { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
