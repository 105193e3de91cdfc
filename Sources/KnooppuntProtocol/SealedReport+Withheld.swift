/// A report without its content, for holders that keep only what a non-reader has.
extension SealedReport {
    /// The same report with every section withheld: the signed envelope (with each section's
    /// salted digest) stays, so it still verifies and still names what existed, but no byte of
    /// its content is left. What a signal becomes at the end of its retention, and how a
    /// daemon lists a signal before a person opens it.
    public func withholdingAllSections() -> SealedReport {
        SealedReport(
            envelopeBytes: envelopeBytes, envelope: envelope, signature: signature,
            sections: sections.map { _ in nil })
    }

    /// The sections' content as held, in order (withheld ones skipped): what a tombstone's
    /// digest covers.
    public var heldContent: [[UInt8]] { sections.compactMap { $0 } }
}
