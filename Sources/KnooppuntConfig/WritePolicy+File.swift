import Foundation
import KnooppuntCore

// Reading the policy file is I/O, so it lives here and not in KnooppuntCore, whose state
// machines and rules never touch the file system.
extension WritePolicy {
    /// The policy for a data folder: `folder/policy.yaml` when present, else the built-in one.
    public static func load(folder: URL) throws -> WritePolicy {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return .builtIn }
        do {
            return try WritePolicy(yaml: [UInt8](data))
        } catch {
            throw PolicyError("\(url.path): \(error.message)")
        }
    }
}
