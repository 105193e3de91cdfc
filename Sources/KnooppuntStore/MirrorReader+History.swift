import Foundation
import GRDB
import KnooppuntDomain
import KnooppuntProtocol

extension MirrorReader {
    /// The reports the mirror applied one by one (its history) whose picture key starts with
    /// one of `keyPrefixes`, in sequence order, at most `limit` (the newest). A snapshot brings
    /// no history: what came before it is then missing here, and callers say so.
    public func history(
        keyPrefixes: [String], limit: Int = 10_000, reference: ReferenceData = .builtIn
    ) throws -> [Update] {
        guard !keyPrefixes.isEmpty else { return [] }
        // substr() instead of LIKE: keys may hold `_`, which LIKE reads as a wildcard.
        let condition = keyPrefixes.map { _ in "substr(key, 1, ?) = ?" }.joined(separator: " OR ")
        var arguments: [any DatabaseValueConvertible] = []
        for prefix in keyPrefixes {
            arguments.append(prefix.count)
            arguments.append(prefix)
        }
        arguments.append(limit)
        let rows = try db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (SELECT * FROM mirror_history WHERE \(condition) ORDER BY seq DESC LIMIT ?)
                    ORDER BY seq
                    """,
                arguments: StatementArguments(arguments))
        }
        return try rows.map { row in
            let report = try SealedReport.decodeStored(
                envelope: [UInt8](row["envelope"] as Data), signature: [UInt8](row["signature"] as Data),
                sections: try FrameBlob.decode(row["sections"]), reference: reference)
            return Update(
                sequence: row["seq"], epoch: row["epoch"], committedAt: row["committed_at"], report: report)
        }
    }
}
