import KnooppuntConfig
import KnooppuntDomain
import KnooppuntStore

// An exercise publishes as each organisation's exercise-script account, with tokens that live
// for one run: the daemons accept reports only from their people, and the reports name the
// script, not a person who never saw them. Both exercise runners take and give back their
// tokens here.
extension ProgramAccount {
    /// This run's token for each of `organisations` (the account made on first use); an
    /// account an administrator disabled stops the run as the person refusal it is.
    func runCredentials(
        for organisations: [OrganisationCode], folder: DataFolder, actor: String
    ) throws -> [OrganisationCode: PersonCredential] {
        var credentials: [OrganisationCode: PersonCredential] = [:]
        for code in organisations {
            do {
                credentials[code] = try credential(
                    folder: folder.peopleFolder(code), organisation: code, actor: actor,
                    now: Timestamp.nowMilliseconds())
            } catch let refusal as PeopleError {
                throw ServiceFailure(.personRefused, refusal.description)
            }
        }
        return credentials
    }

    /// Revokes the run's tokens of `organisations`.
    func revokeRun(_ organisations: some Sequence<OrganisationCode>, folder: DataFolder, actor: String) {
        for code in organisations {
            revoke(
                folder: folder.peopleFolder(code), organisation: code, actor: actor,
                now: Timestamp.nowMilliseconds())
        }
    }
}
