import KnooppuntDomain

/// Which log rows to read: any row whose key is one of `keys`, whose key starts with one of
/// `keyPrefixes`, or whose type is one of `types`. An empty filter matches nothing.
public struct LogFilter: Sendable, Hashable {
    public var keys: [String]
    public var keyPrefixes: [String]
    public var types: [ReportType]

    public init(keys: [String] = [], keyPrefixes: [String] = [], types: [ReportType] = []) {
        self.keys = keys
        self.keyPrefixes = keyPrefixes
        self.types = types
    }
}
