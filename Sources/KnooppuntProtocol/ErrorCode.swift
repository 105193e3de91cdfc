/// The stable error codes of KNP/1 (docs/PROTOCOL.md §7). A code never changes meaning.
public enum ErrorCode: Int, Sendable, Hashable, CaseIterable {
    // Framing
    case unsupportedProtocol = 100
    case unknownCommand = 101
    case wrongFrameCount = 102
    case frameTooLarge = 103
    case malformedNumber = 104
    case tooManyFrames = 105
    /// FETCH (or another stream command) on a connection that has not said HELLO.
    case helloFirst = 106
    // Documents
    case invalidJSON = 200
    case invalidUTF8 = 201
    case wrongType = 202
    case missingField = 203
    case unknownField = 204
    case unknownValue = 205
    case tooLong = 206
    case outOfRange = 207
    case invalidTimestamp = 208
    case unknownCode = 209
    case invalidID = 210
    case invalidYAML = 211
    case tooDeep = 212
    case duplicateKey = 213
    case emptyDocument = 214
    case unsupportedVersion = 215
    case invalidEnvelope = 216
    case digestMismatch = 217
    case badSignature = 218
    case emptyText = 219
    case invalidCombination = 220
    /// A classification's audience names a kind or a group the network does not know.
    case unknownAudience = 221
    // Authorisation
    case originMismatch = 300
    case notPermitted = 301
    case policeInternalTerm = 302
    case retiredKey = 303
    // Signals about persons (config/signals.yaml); from 310, leaving room for the write policy.
    case signalNotPermitted = 310
    case unknownLegalBasis = 311
    case legalBasisNotPermitted = 312
    case signalReaders = 313
    case notASignalRecipient = 314
    case retentionTooLong = 315
    case signalExpired = 316
    case exerciseRetentionOnly = 317
    // Order and state
    case outOfOrder = 400
    case staleOriginSequence = 401
    case unknownIncident = 402
    case incidentConflict = 403
    case unknownReport = 404
    // Capacity and availability
    case rateLimited = 500
    case outboxFull = 501
    case notActive = 502
    case fenced = 503
    case duplicateSubmission = 504
    case nodeUnreachable = 505
    case daemonUnreachable = 506
    // Internal
    case storageFailure = 600
    // Workflows: refusals of the operators' tools (`knooppunt nctv level …`); never sent by the node
    case stepOutOfOrder = 700
    case deliveryUnconfirmed = 701
    // People: refusals of the screens, the API and the CLI to a person; never sent by the node
    case notSignedIn = 800
    case badCredentials = 801
    case lockedOut = 802
    case accountDisabled = 803
    case sessionExpired = 804
    case roleNotPermitted = 805
    case unknownPerson = 806
    case personExists = 807
    case weakPassword = 808

    /// The code's name as printed next to its number ("E400 outOfOrder").
    ///
    /// Spelled out: names are part of the stable contract (`validate` output, `ERROR` detail),
    /// so they must not depend on how Swift renders a case or on a `description` that could
    /// itself use the name (that once recursed until the stack overflowed).
    public var name: String {
        switch self {
        case .unsupportedProtocol: "unsupportedProtocol"
        case .unknownCommand: "unknownCommand"
        case .wrongFrameCount: "wrongFrameCount"
        case .frameTooLarge: "frameTooLarge"
        case .malformedNumber: "malformedNumber"
        case .tooManyFrames: "tooManyFrames"
        case .helloFirst: "helloFirst"
        case .invalidJSON: "invalidJSON"
        case .invalidUTF8: "invalidUTF8"
        case .wrongType: "wrongType"
        case .missingField: "missingField"
        case .unknownField: "unknownField"
        case .unknownValue: "unknownValue"
        case .tooLong: "tooLong"
        case .outOfRange: "outOfRange"
        case .invalidTimestamp: "invalidTimestamp"
        case .unknownCode: "unknownCode"
        case .invalidID: "invalidID"
        case .invalidYAML: "invalidYAML"
        case .tooDeep: "tooDeep"
        case .duplicateKey: "duplicateKey"
        case .emptyDocument: "emptyDocument"
        case .unsupportedVersion: "unsupportedVersion"
        case .invalidEnvelope: "invalidEnvelope"
        case .digestMismatch: "digestMismatch"
        case .badSignature: "badSignature"
        case .emptyText: "emptyText"
        case .invalidCombination: "invalidCombination"
        case .unknownAudience: "unknownAudience"
        case .originMismatch: "originMismatch"
        case .notPermitted: "notPermitted"
        case .policeInternalTerm: "policeInternalTerm"
        case .retiredKey: "retiredKey"
        case .signalNotPermitted: "signalNotPermitted"
        case .unknownLegalBasis: "unknownLegalBasis"
        case .legalBasisNotPermitted: "legalBasisNotPermitted"
        case .signalReaders: "signalReaders"
        case .notASignalRecipient: "notASignalRecipient"
        case .retentionTooLong: "retentionTooLong"
        case .signalExpired: "signalExpired"
        case .exerciseRetentionOnly: "exerciseRetentionOnly"
        case .outOfOrder: "outOfOrder"
        case .staleOriginSequence: "staleOriginSequence"
        case .unknownIncident: "unknownIncident"
        case .incidentConflict: "incidentConflict"
        case .unknownReport: "unknownReport"
        case .rateLimited: "rateLimited"
        case .outboxFull: "outboxFull"
        case .notActive: "notActive"
        case .fenced: "fenced"
        case .duplicateSubmission: "duplicateSubmission"
        case .nodeUnreachable: "nodeUnreachable"
        case .daemonUnreachable: "daemonUnreachable"
        case .storageFailure: "storageFailure"
        case .stepOutOfOrder: "stepOutOfOrder"
        case .deliveryUnconfirmed: "deliveryUnconfirmed"
        case .notSignedIn: "notSignedIn"
        case .badCredentials: "badCredentials"
        case .lockedOut: "lockedOut"
        case .accountDisabled: "accountDisabled"
        case .sessionExpired: "sessionExpired"
        case .roleNotPermitted: "roleNotPermitted"
        case .unknownPerson: "unknownPerson"
        case .personExists: "personExists"
        case .weakPassword: "weakPassword"
        }
    }

    /// "E400".
    public var label: String { "E\(rawValue)" }

    /// A refusal of the person (E800–E805: not signed in, bad credentials, locked out,
    /// disabled, session expired, role not permitted), which the CLI answers with its own exit.
    public var isPersonRefusal: Bool {
        (ErrorCode.notSignedIn.rawValue...ErrorCode.roleNotPermitted.rawValue).contains(rawValue)
    }

    /// "E400 outOfOrder".
    public var summary: String { "\(label) \(name)" }
}

/// One problem with some input: a stable code, where (a field path such as
/// `beeld.BRW.text`, or a frame), and a message a person can act on.
public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: ErrorCode
    /// Dotted field path (`acties.items[2].deadline`), `$` for the whole document, or a frame name.
    public let field: String
    public let message: String

    public init(_ code: ErrorCode, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(code.label) \(code.name) at \(field): \(message)" }
}

/// Every problem found in one input; thrown by decoders that report all problems at once.
public struct Problems: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [Problem]

    public init(_ problems: [Problem]) {
        precondition(!problems.isEmpty, "Problems holds at least one problem")
        self.problems = problems
    }

    public init(_ problem: Problem) { self.problems = [problem] }

    /// The first problem: what a one-line refusal reports.
    public var first: Problem { problems[0] }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
