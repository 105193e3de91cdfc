import KnooppuntDomain

/// The signing keys the network lists for one organisation: the current key, and the keys it
/// retired with `knooppunt keys rotate`. Reports in the log were signed with whichever key was
/// current when they were sealed, so a retired key keeps verifying them; what admits a *new*
/// report is the organisation's authenticated connection (its current CURVE key), not the
/// signature alone (docs/THREAT_MODEL.md).
public struct SigningKeySet: Sendable, Hashable {
    public var current: VerifyingKey
    /// Retired keys, oldest first.
    public var retired: [VerifyingKey]

    public init(current: VerifyingKey, retired: [VerifyingKey] = []) {
        self.current = current
        self.retired = retired
    }

    /// Whether the origin signed exactly this envelope with its current or a retired key.
    /// With `roots`, a batch root already verified is not verified again.
    public func verifies(_ report: SealedReport, roots: VerifiedRoots? = nil) -> Bool {
        report.verifySignature(with: current, roots: roots)
            || retired.contains { report.verifySignature(with: $0, roots: roots) }
    }

    /// Key sets holding only the current keys (for callers that know of no rotation).
    public static func current(_ keys: [OrganisationCode: VerifyingKey]) -> [OrganisationCode: SigningKeySet]
    {
        keys.mapValues { SigningKeySet(current: $0) }
    }
}
