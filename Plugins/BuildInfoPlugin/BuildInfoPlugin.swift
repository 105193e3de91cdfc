import Foundation
import PackagePlugin

/// Gives the target a `BuildInfo` enum (git commit and build date) for `knooppunt --version`.
/// The command runs again when HEAD or the branch it names moves.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildInfo.swift")
        // HEAD, the branch it names and packed-refs; in a worktree (`.git` is a file) the
        // worktree's own HEAD and the main repository's refs.
        var git = package.appendingPathComponent(".git")
        var common = git
        var inputs = [git]
        if let pointer = try? String(contentsOf: git, encoding: .utf8), pointer.hasPrefix("gitdir: ") {
            let path = pointer.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
            git = URL(fileURLWithPath: path, relativeTo: package).standardizedFileURL
            if let shared = try? String(contentsOf: git.appendingPathComponent("commondir"), encoding: .utf8)
            {
                let relative = shared.trimmingCharacters(in: .whitespacesAndNewlines)
                common =
                    URL(fileURLWithPath: relative, relativeTo: git.appendingPathComponent("x"))
                    .standardizedFileURL
            } else {
                common = git
            }
        }
        inputs += [git.appendingPathComponent("HEAD"), common.appendingPathComponent("packed-refs")]
        if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8),
            head.hasPrefix("ref: ")
        {
            let ref = head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
            inputs.append(common.appendingPathComponent(ref))
        }
        return [
            .buildCommand(
                displayName: "Writing the build's commit and date",
                executable: try context.tool(named: "BuildInfoTool").url,
                arguments: [package.path, output.path],
                inputFiles: inputs.filter {
                    var folder: ObjCBool = false
                    return FileManager.default.fileExists(atPath: $0.path, isDirectory: &folder)
                        && !folder.boolValue
                },
                outputFiles: [output])
        ]
    }
}
