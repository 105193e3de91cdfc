import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore

/// The stores of a data folder read offline and read-only, for `timeline` and `export`:
/// nothing here talks to a running process, so they work during a run and afterwards.
public enum OfflineStores {
    /// The node's log, or a message naming the folder when there is none.
    public static func log(_ folder: DataFolder) throws -> LogReader {
        do {
            return try LogReader(nodeStorePath: folder.nodeStore.path)
        } catch {
            throw ServiceFailure(
                .invalid, "cannot read the national node's log in \(folder.root.path): \(error)")
        }
    }

    /// Per organisation whose daemon store is in the folder: which of `sequences` its mirror
    /// holds. An unreadable store is reported and left out (its delivery is then unknown).
    public static func deliveries(
        _ folder: DataFolder, of sequences: Set<SequenceNumber>, note: LineOutput
    ) -> [OrganisationCode: Set<SequenceNumber>] {
        var result: [OrganisationCode: Set<SequenceNumber>] = [:]
        for code in OrganisationCode.all where code != .national {
            let path = folder.daemonStore(code).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                result[code] = try MirrorReader(daemonStorePath: path).held(sequences)
            } catch {
                note("note: cannot read \(code)'s store (\(error)); its deliveries are left out")
            }
        }
        return result
    }
}
