import Foundation

/// Writes the build's identity as Swift: the git commit the tree was built from and when.
/// Run by the BuildInfoPlugin at build time; reads the repository's files directly, so it needs
/// no git binary. Usage: BuildInfoTool <package folder> <output file>.
@main
enum BuildInfoTool {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: BuildInfoTool <package folder> <output file>\n".utf8))
            exit(2)
        }
        let package = URL(fileURLWithPath: arguments[1])
        let commit = Self.commit(in: package.appendingPathComponent(".git")) ?? "unknown"
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let source = """
            // Generated at build time by BuildInfoTool; not in git.
            enum BuildInfo {
                static let commit = "\(commit)"
                static let date = "\(formatter.string(from: Date()))"
            }

            """
        try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
    }

    /// The commit HEAD names: directly, through a loose ref, or through packed-refs. In a
    /// worktree `.git` is a file naming the worktree's own folder (`gitdir: …`), which holds
    /// HEAD, while refs live in the main repository's folder (named in its `commondir`).
    static func commit(in git: URL) -> String? {
        let folders = gitFolders(git)
        guard let head = read(folders.head.appendingPathComponent("HEAD")) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        for folder in [folders.head, folders.common] {
            if let loose = read(folder.appendingPathComponent(ref)) { return loose }
        }
        let packed = read(folders.common.appendingPathComponent("packed-refs")) ?? ""
        for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
            return String(line.prefix { $0 != " " })
        }
        return nil
    }

    /// The folder holding HEAD and the one holding the shared refs (the same outside a worktree).
    static func gitFolders(_ git: URL) -> (head: URL, common: URL) {
        guard let pointer = read(git), pointer.hasPrefix("gitdir: ") else { return (git, git) }
        let path = String(pointer.dropFirst("gitdir: ".count))
        let head = URL(fileURLWithPath: path, relativeTo: git.deletingLastPathComponent()).standardizedFileURL
        guard let common = read(head.appendingPathComponent("commondir")) else { return (head, head) }
        return (
            head,
            URL(fileURLWithPath: common, relativeTo: head.appendingPathComponent("x")).standardizedFileURL
        )
    }

    static func read(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
