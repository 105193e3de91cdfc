import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntStore

/// The stores of a data folder read offline and read-only, for `timeline` and `export`:
/// nothing here talks to a running process, so they work during a run and afterwards.
enum OfflineStores {
    /// The node's log, or a message naming the folder when there is none.
    static func log(_ folder: DataFolder) throws -> LogReader {
        do {
            return try LogReader(nodeStorePath: folder.nodeStore.path)
        } catch {
            printError("cannot read the national node's log in \(folder.root.path): \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
    }

    /// Per organisation whose daemon store is in the folder: which of `sequences` its mirror
    /// holds. An unreadable store is reported and left out (its delivery is then unknown).
    static func deliveries(
        _ folder: DataFolder, of sequences: Set<SequenceNumber>
    ) -> [OrganisationCode: Set<SequenceNumber>] {
        var result: [OrganisationCode: Set<SequenceNumber>] = [:]
        for code in OrganisationCode.all where code != .national {
            let path = folder.daemonStore(code).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                result[code] = try MirrorReader(daemonStorePath: path).held(sequences)
            } catch {
                printError("note: cannot read \(code)'s store (\(error)); its deliveries are left out")
            }
        }
        return result
    }

    /// Writes `text` to `path`, or to standard output when nil.
    static func write(_ text: String, to path: String?) throws {
        guard let path else {
            print(text, terminator: "")
            flushStandardOutput()
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            printError("cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(ExitCodes.invalid)
        }
    }
}
