import Foundation
import KnooppuntDomain

extension DataFolder {
    /// Where an organisation's accounts live (`people.sqlite`): in its daemon's folder, and
    /// for the national organisation in the desk's folder (`DIR/desk/`), whose process acts
    /// for it.
    public func peopleFolder(_ organisation: OrganisationCode) -> URL {
        organisation == .national
            ? root.appendingPathComponent("desk", isDirectory: true) : daemonFolder(organisation)
    }

    /// The owner-only file with the first administrator's initial password.
    public func firstAdministratorFile(_ organisation: OrganisationCode) -> URL {
        peopleFolder(organisation).appendingPathComponent("first-admin-password")
    }
}
