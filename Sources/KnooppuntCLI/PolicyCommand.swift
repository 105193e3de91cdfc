import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// The policy in force: who may write what (config/policy.yaml, or DIR/policy.yaml when a
/// deployment has its own), and what one party would receive of a report.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show the write policy, or what one party would receive of a report.",
        subcommands: [PolicyShowCommand.self, PolicyExplainCommand.self])
}

struct PolicyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the write policy in force: DIR/policy.yaml when present, else the built-in one.")

    @OptionGroup var folder: FolderOption

    func run() throws {
        let policy = try WritePolicy.load(folder: folder.folder.root)
        let own = FileManager.default.fileExists(
            atPath: folder.folder.root.appendingPathComponent(WritePolicy.fileName).path)
        print(
            "policy: \(own ? "\(folder.folder.root.path)/\(WritePolicy.fileName)" : "built in (config/policy.yaml)")"
        )
        print("  sha256 \(policy.digest)")
        for rule in policy.rules {
            let allowed = rule.allowed.map(\.description).joined(separator: ", ")
            print(
                "  \(rule.id): \(rule.writes.rawValue) by \(allowed) (E\(rule.code.rawValue)): \(rule.says)")
        }
        print(
            "  police-internal terms refused in free text (E302): \(policy.policeInternal.terms.joined(separator: ", "))"
        )
    }
}

struct PolicyExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show exactly what one organisation would receive of a report document.",
        discussion: """
            Seals the document as the node would deliver it and lists every section with its \
            classification: the content the organisation receives, or only the salted digest \
            (content withheld by the node). Also says whether the node would refuse the text \
            for a police-internal term (E302).

            Example:
              knooppunt policy explain --as VR09 docs/examples/sitrep.json
            """)

    @Option(name: .customLong("as"), help: "The receiving organisation: NATIONAL, NCTV, POLICE or VR01…VR25.")
    var receiver: OrganisationCode

    @Option(help: "The writing organisation (the report's origin).")
    var from: OrganisationCode = .national

    @Argument(help: "The report document (JSON or YAML), or - for standard input.")
    var file: String

    @OptionGroup var folder: FolderOption

    func run() throws {
        let codec = DocumentCodec()
        let document: ReportDocument
        do {
            document = try codec.decode(try DocumentReader.read(try ValidateCommand.readInput(file)))
        } catch let problems as Problems {
            for problem in problems.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        let policy = try WritePolicy.load(folder: folder.folder.root)
        var random = SystemRandomNumberGenerator()
        let sealed = SealedReport.seal(
            document, id: document.id ?? ReportID.random(using: &random), origin: from, originSeq: 1,
            created: Timestamp.now(),
            signingKey: .generate(), codec: codec, random: &random)
        let visible = sealed.visibility(for: .organisation(receiver))
        print("\(document.body.type.rawValue) from \(from), as \(receiver) receives it:")
        for (descriptor, (content, shown)) in zip(sealed.envelope.sections, zip(sealed.sections, visible)) {
            let label = "  \(descriptor.name) [\(descriptor.classification)]"
            if shown, let content {
                print("\(label): \(String(decoding: content, as: UTF8.self))")
            } else {
                print("\(label): withheld; only its digest \(Hex.encode(descriptor.digest).prefix(16))…")
            }
        }
        if let found = policy.policeInternal.search(document) {
            print(
                "the node refuses this report: E302 policeInternalTerm at \(found.path) (\"\(found.term)\")")
        }
    }
}
