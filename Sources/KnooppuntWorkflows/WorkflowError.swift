/// A workflow could not do what was asked; the message says what to change.
///
/// The code is a small open set (a struct, not a public enum) so new cases can be added
/// without breaking callers that switch over it.
public struct WorkflowError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The report, incident or area asked for is not in the log.
        public static let notFound = Code("notFound")
        /// The report exists but holds nothing to export (no action advice, a withheld section).
        public static let nothingToExport = Code("nothingToExport")
        /// A scenario file that cannot be used; the problems name the step and field.
        public static let invalidScenario = Code("invalidScenario")
        /// Options that cannot go together.
        public static let invalidRequest = Code("invalidRequest")

        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
