import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntDomain

/// `knooppunt org list|add|remove`: the organisations of the network come from network.json,
/// not from the program.
struct OrgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "List the network's organisations, or add or remove a crisis partner.",
        discussion: """
            The 28 organisations (NATIONAL, NCTV, POLICE, VR01…VR25) are every network's; \
            partners (ministries, infrastructure, water boards, health, defence, justice, \
            municipalities and any other kind) are listed in DIR/network.json with a name, a \
            kind, an area and groups. `org add` generates a partner's keys and adds it to \
            network.json; `org remove` takes it out again. A running node reloads network.json \
            within seconds (or at once on SIGHUP): it admits an added partner, which then gets \
            its own view of the picture, refuses a removed one's key (E303) while keeping the \
            reports it wrote, and records the change in the audit log. Copy network.json to the \
            node hosts; hand a new partner its folder with `keys export CODE` and run its daemon \
            with `knooppunt daemon --org CODE`.
            """,
        subcommands: [OrgListCommand.self, OrgAddCommand.self, OrgRemoveCommand.self])
}

struct OrgListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Print the network's organisations by kind.")

    @OptionGroup var folder: FolderOption

    func run() throws {
        let registry = try folder.network().registry
        for (kind, organisations) in registry.byKind {
            print("\(kind) (\(organisations.count))")
            for organisation in organisations {
                var line =
                    "  \(organisation.code.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(organisation.name)"
                if !organisation.groups.isEmpty {
                    line += "  groups: \(organisation.groups.joined(separator: ", "))"
                }
                print(line)
            }
        }
        if !registry.former.isEmpty {
            print("removed (\(registry.former.count)): their reports stay in the picture")
            for organisation in registry.former {
                print(
                    "  \(organisation.code.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(organisation.name) (\(organisation.kind))"
                )
            }
        }
        let groups = Set(registry.organisations.flatMap(\.groups)).sorted()
        if !groups.isEmpty {
            print("groups:")
            for group in groups {
                print("  \(group): \(registry.members(of: group).map(\.rawValue).joined(separator: ", "))")
            }
        }
        print("\(registry.codes.count) organisations, \(registry.partners.count) of them partners")
    }
}

struct OrgAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Generate a partner's keys and add it to network.json.",
        discussion: """
            Example:
              knooppunt org add RWS --kind infrastructure --name Rijkswaterstaat \
            --group vital-infrastructure --dir ./deployment

            A running node admits the partner within seconds of the new network.json (or at \
            once on SIGHUP). Kinds national, nctv, police and safetyRegion are the 28's own.
            """)

    @Argument(help: "The partner's code: an upper-case letter, then letters, digits or hyphens (2…24).")
    var code: String

    @Option(
        help:
            "Its kind: ministry, infrastructure, waterBoard, health, defence, justice, municipality or another word."
    )
    var kind: String

    @Option(help: "Its name as people know it.")
    var name: String

    @Option(
        name: .customLong("group"),
        help: "A group it belongs to (repeat for several), e.g. vital-infrastructure.")
    var groups: [String] = []

    @Option(name: .customLong("province"), help: "A province it acts in (CBS code, e.g. PV26; repeatable).")
    var provinces: [String] = []

    @Option(name: .customLong("region"), help: "A safety region it acts in (VR01…VR25; repeatable).")
    var regions: [String] = []

    @Option(
        name: .customLong("municipality"),
        help: "A municipality it acts in (CBS code, e.g. GM0344; repeatable).")
    var municipalities: [String] = []

    @OptionGroup var folder: FolderOption

    func run() throws {
        guard let organisation = OrganisationCode(code.uppercased()) else {
            throw ValidationError(
                "\(code): a code is an upper-case letter, then letters, digits or hyphens (2…24)")
        }
        guard !organisation.isReference else {
            throw ValidationError("\(organisation) is one of the 28 organisations every network has")
        }
        guard let partnerKind = OrganisationKind(rawValue: kind) else {
            throw ValidationError("\(kind): a kind is a word such as infrastructure or waterBoard")
        }
        guard !OrganisationKind.referenceOnly.contains(partnerKind) else {
            throw ValidationError("--kind \(kind) is for the 28 built-in organisations only")
        }
        guard !name.isEmpty, name.count <= NetworkConfig.maximumNameLength else {
            throw ValidationError("--name: 1…\(NetworkConfig.maximumNameLength) characters")
        }
        if let wrong = groups.first(where: { !NetworkConfig.isGroupName($0) }) {
            throw ValidationError("--group \(wrong): lower-case letters, digits and hyphens")
        }
        try add(organisation, partnerKind)
    }

    private func add(_ organisation: OrganisationCode, _ partnerKind: OrganisationKind) throws {
        let reference = ReferenceData.builtIn
        var area = OrganisationArea()
        for text in provinces {
            guard reference.provinces[ProvinceCode(text)] != nil else {
                throw ValidationError("--province \(text): unknown")
            }
            area.provinces.append(ProvinceCode(text))
        }
        for text in regions {
            guard let region = OrganisationCode(text.uppercased()), region.isSafetyRegion else {
                throw ValidationError("--region \(text): not a safety region (VR01…VR25)")
            }
            area.regions.append(region)
        }
        for text in municipalities {
            guard reference.municipalities[MunicipalityCode(text)] != nil else {
                throw ValidationError("--municipality \(text): unknown")
            }
            area.municipalities.append(MunicipalityCode(text))
        }
        let network = try folder.folder.addOrganisation(
            Organisation(code: organisation, name: name, kind: partnerKind, area: area, groups: groups))
        print("added \(organisation) (\(partnerKind)): \(name)")
        print("keys: \(folder.folder.keyFile(organisation).path) (owner-only)")
        print("network: \(folder.folder.networkFile.path), \(network.registry.codes.count) organisations")
        print("next: `knooppunt keys export \(organisation) --dir \(folder.dir) --to FOLDER` for its host")
    }
}

struct OrgRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a partner from network.json; its reports stay.",
        discussion: """
            Takes the partner's CURVE key out of DIR/network.json and deletes its secret from \
            DIR/keys; its name, kind and signing keys stay under `removedOrganisations`, so the \
            reports it wrote keep reading and verifying in the picture and the audit log. A \
            running node reloads network.json within seconds (or at once on SIGHUP), drops the \
            partner's connections and refuses its key: a message on a connection made before \
            is answered E303 retiredKey, and a new connection fails its CURVE handshake (the \
            node logs and audits the refused key). The 28 organisations cannot be removed.

            Example:
              knooppunt org remove RWS --dir ./deployment
            """)

    @Argument(help: "The partner's code.")
    var code: String

    @OptionGroup var folder: FolderOption

    func run() throws {
        guard let organisation = OrganisationCode(code.uppercased()) else {
            throw ValidationError("\(code): not an organisation code")
        }
        guard !organisation.isReference else {
            throw ValidationError(
                "\(organisation) is one of the 28 organisations every network has (NATIONAL, NCTV, POLICE, VR01…VR25) and cannot be removed"
            )
        }
        let removal = try folder.folder.removeOrganisation(organisation)
        print("removed \(organisation) (\(removal.organisation.kind)): \(removal.organisation.name)")
        print("  CURVE key \(removal.curvePublicKey) no longer admitted; its reports stay in the picture")
        if removal.secretDeleted { print("  deleted \(folder.folder.keyFile(organisation).path)") }
        print("next: copy \(folder.folder.networkFile.path) to the node hosts; stop \(organisation)'s daemon")
    }
}

/// Installs the network's organisations for this process before the arguments are parsed,
/// so that `--as RWS` and a document naming RWS are read against the network: the network of
/// `--dir` (or the default folder) when its network.json loads, the 28 otherwise.
enum NetworkOrganisations {
    static func install(arguments: [String]) {
        var dir = "./var"
        for (index, argument) in arguments.enumerated() {
            if argument == "--dir", index + 1 < arguments.count { dir = arguments[index + 1] }
            if argument.hasPrefix("--dir=") { dir = String(argument.dropFirst("--dir=".count)) }
        }
        guard let network = try? NetworkConfig.load(from: DataFolder(dir).networkFile) else { return }
        OrganisationRegistry.install(network.registry)
    }
}
