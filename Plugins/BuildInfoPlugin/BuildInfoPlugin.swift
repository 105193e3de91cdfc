import Foundation
import PackagePlugin

/// Gives the target a `BuildInfo` enum (git commit and build date) for `knooppunt --version`.
/// The command runs again when HEAD or the branch it names moves.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildInfo.swift")
        let git = package.appendingPathComponent(".git")
        var inputs = [git.appendingPathComponent("HEAD"), git.appendingPathComponent("packed-refs")]
        if let head = try? String(contentsOf: inputs[0], encoding: .utf8), head.hasPrefix("ref: ") {
            let ref = head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
            inputs.append(git.appendingPathComponent(ref))
        }
        return [
            .buildCommand(
                displayName: "Writing the build's commit and date",
                executable: try context.tool(named: "BuildInfoTool").url,
                arguments: [package.path, output.path],
                inputFiles: inputs.filter { FileManager.default.fileExists(atPath: $0.path) },
                outputFiles: [output])
        ]
    }
}
