import Foundation
import KnooppuntCore

// Reading the signal policy file is I/O, so it lives here, like the write policy's.
extension SignalPolicy {
    /// The signal policy for a data folder: `folder/signals.yaml` when present, else the
    /// built-in one (config/signals.yaml).
    public static func load(folder: URL) throws -> SignalPolicy {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return .builtIn }
        do {
            return try SignalPolicy(yaml: [UInt8](data))
        } catch {
            throw PolicyError("\(url.path): \(error.message)")
        }
    }
}
