import Foundation
import KnooppuntDomain
import StrictJSON

/// The organisations of network.json beyond their keys: `organisations.CODE.name`, `.kind`,
/// `.area` (`provinces`, `regions`, `municipalities`) and `.groups`. A partner needs a name
/// and a kind; for the 28 reference organisations every field is optional (their names and
/// kinds are built in, and a kind that contradicts the built-in one is refused).
extension NetworkConfig {
    /// The longest organisation name.
    public static let maximumNameLength = 120
    /// The most groups one organisation belongs to.
    public static let maximumGroups = 32
    /// The most codes one area lists (the Netherlands has 342 municipalities).
    public static let maximumAreaCodes = 400
    /// The longest group name.
    public static let maximumGroupLength = Organisation.maximumGroupLength

    /// The network's organisations: the 28 and every partner with keys in network.json, and
    /// the partners it removed (``OrganisationRegistry/former``).
    public var registry: OrganisationRegistry {
        OrganisationRegistry(
            organisations.keys.map { code in
                descriptions[code] ?? Organisation.reference(code)
                    ?? Organisation(code: code, name: code.rawValue, kind: .other)
            }, former: removed.values.map(\.organisation))
    }

    /// Adds (or replaces) a partner: its public keys and its description. A partner removed
    /// before comes back with its old signing keys retired, so its old reports keep verifying.
    public mutating func add(_ organisation: Organisation, keys: OrganisationKeys) {
        var keys = keys
        if let earlier = removed.removeValue(forKey: organisation.code) {
            keys.retiredSigningPublicKeys = earlier.signingPublicKeys + keys.retiredSigningPublicKeys
        }
        organisations[organisation.code] = keys
        descriptions[organisation.code] = organisation
    }

    /// The description read from one `organisations.CODE` entry; nil when a reference
    /// organisation's entry describes nothing.
    static func description(
        _ code: OrganisationCode, _ entry: JSONValue, fail: (String) -> ConfigError
    ) throws -> Organisation? {
        let fields = ["name", "kind", "area", "groups"]
        let reference = Organisation.reference(code)
        if reference != nil, !fields.contains(where: { entry[$0] != nil }) { return nil }
        var kind = reference?.kind
        if let text = entry["kind"] {
            guard let named = text.stringValue.flatMap(OrganisationKind.init(rawValue:)) else {
                throw fail("\(code).kind must be a word such as infrastructure or waterBoard")
            }
            if let builtIn = reference?.kind, builtIn != named {
                throw fail("\(code) is of kind \(builtIn), built in; network.json says \(named)")
            }
            if reference == nil, OrganisationKind.referenceOnly.contains(named) {
                throw fail("\(code): the kind \(named) is for the 28 built-in organisations only")
            }
            kind = named
        }
        guard let kind else { throw fail("\(code) needs a kind (e.g. infrastructure, ministry, waterBoard)") }
        var name = reference?.name
        if let text = entry["name"] {
            guard let given = text.stringValue, !given.isEmpty, given.count <= maximumNameLength else {
                throw fail("\(code).name must be a text of 1…\(maximumNameLength) characters")
            }
            name = given
        }
        guard let name else { throw fail("\(code) needs a name") }
        let area =
            try entry["area"].map { try Self.area(code, $0, fail: fail) } ?? reference?.area
            ?? OrganisationArea()
        var groups: [String] = []
        if let list = entry["groups"] {
            guard let items = list.arrayValue, items.count <= maximumGroups else {
                throw fail("\(code).groups must be a list of at most \(maximumGroups) group names")
            }
            for item in items {
                guard let group = item.stringValue, isGroupName(group) else {
                    throw fail("\(code).groups: a group name is lower-case letters, digits and hyphens")
                }
                groups.append(group)
            }
        }
        return Organisation(code: code, name: name, kind: kind, area: area, groups: groups)
    }

    /// Whether `text` is a group name: a lower-case letter, then lower-case letters, digits or
    /// hyphens, at most ``maximumGroupLength`` characters.
    public static func isGroupName(_ text: String) -> Bool { Organisation.isGroupName(text) }

    private static func area(
        _ code: OrganisationCode, _ value: JSONValue, fail: (String) -> ConfigError
    ) throws -> OrganisationArea {
        let reference = ReferenceData.builtIn
        func codes(_ key: String) throws -> [String] {
            guard let list = value[key] else { return [] }
            guard let items = list.arrayValue, items.count <= maximumAreaCodes,
                items.allSatisfy({ $0.stringValue != nil })
            else { throw fail("\(code).area.\(key) must be a list of at most \(maximumAreaCodes) codes") }
            return items.compactMap(\.stringValue)
        }
        guard value.objectValue != nil else { throw fail("\(code).area must be an object") }
        var area = OrganisationArea()
        for text in try codes("provinces") {
            guard reference.provinces[ProvinceCode(text)] != nil else {
                throw fail("\(code).area.provinces: unknown province \(text) (PV20…PV31)")
            }
            area.provinces.append(ProvinceCode(text))
        }
        for text in try codes("regions") {
            guard let region = OrganisationCode(text), region.isSafetyRegion else {
                throw fail("\(code).area.regions: \(text) is not a safety region (VR01…VR25)")
            }
            area.regions.append(region)
        }
        for text in try codes("municipalities") {
            guard reference.municipalities[MunicipalityCode(text)] != nil else {
                throw fail(
                    "\(code).area.municipalities: unknown municipality \(text) (CBS code, e.g. GM0344)")
            }
            area.municipalities.append(MunicipalityCode(text))
        }
        return area
    }

    /// The description fields network.json holds for `code`: all of them for a partner; for
    /// one of the 28 only what differs from the built-in entry (so a network of the 28 writes
    /// the file it always wrote).
    func descriptionJSON(_ code: OrganisationCode) -> [String: JSONValue] {
        guard let described = descriptions[code] else { return [:] }
        let reference = Organisation.reference(code)
        var fields: [String: JSONValue] = [:]
        if reference == nil {
            fields["kind"] = .string(described.kind.rawValue)
        }
        if described.name != reference?.name { fields["name"] = .string(described.name) }
        if described.area != reference?.area ?? OrganisationArea() {
            var area: [String: JSONValue] = [:]
            if !described.area.provinces.isEmpty {
                area["provinces"] = .array(described.area.provinces.map { .string($0.rawValue) })
            }
            if !described.area.regions.isEmpty {
                area["regions"] = .array(described.area.regions.map { .string($0.rawValue) })
            }
            if !described.area.municipalities.isEmpty {
                area["municipalities"] = .array(described.area.municipalities.map { .string($0.rawValue) })
            }
            fields["area"] = .object(area)
        }
        if !described.groups.isEmpty { fields["groups"] = .array(described.groups.map { .string($0) }) }
        return fields
    }
}

extension DataFolder {
    /// Adds a partner to this folder's network: generates its keys (a key file already there
    /// is kept) and writes network.json with the partner described. A running node reloads
    /// network.json within seconds (or at once on SIGHUP): it admits the partner's key and
    /// tracks its view. Refuses a code the network already has.
    @discardableResult
    public func addOrganisation(_ organisation: Organisation) throws -> NetworkConfig {
        var network = try NetworkConfig.load(from: networkFile)
        guard network.organisations[organisation.code] == nil else {
            throw ConfigError("\(organisation.code) is already an organisation of this network")
        }
        let url = keyFile(organisation.code)
        let secrets: OrganisationSecrets
        if FileManager.default.fileExists(atPath: url.path) {
            secrets = try OrganisationSecrets.load(from: url)
        } else {
            secrets = try OrganisationSecrets.generate()
            try secrets.save(to: url)
        }
        network.add(organisation, keys: secrets.publicKeys)
        try network.save(to: networkFile)
        return network
    }
}
