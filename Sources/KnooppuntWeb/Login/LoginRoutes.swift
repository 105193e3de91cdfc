import Hummingbird
import KnooppuntCore
import KnooppuntProtocol
import KnooppuntStore
import StrictJSON

/// The login page and `POST /api/v1/login` (`{"user", "password"}` → a session cookie),
/// `POST /api/v1/logout`, and `GET /api/v1/me` (who is signed in, with their role and what
/// it allows).
enum LoginRoutes {
    /// Largest login request body.
    static let maxRequestBytes = 4 * 1024

    static func add<Context: RequestContext>(
        to router: Router<Context>, gate: PeopleGate, screen: LoginPage.Screen
    ) {
        let pages = HTTPReply.pages {
            LoginPage.html(screen: screen, organisation: gate.organisation, language: $0)
        }
        router.get("login") { request, _ in HTTPReply.page(pages, for: request) }
        WebAssets.add(["login.js"], to: router)
        let api = router.group("api/v1")
        api.post("login") { request, _ in
            let body = try await request.jsonBody(limit: maxRequestBytes)
            guard let user = body["user"]?.stringValue, let password = body["password"]?.stringValue else {
                throw APIError(.badRequest, .missingField, "send {\"user\": …, \"password\": …}")
            }
            let (cookie, person) = try await gate.login(username: user, password: password)
            var response = HTTPReply.json(json(person))
            response.headers[.setCookie] = cookie
            return response
        }
        api.post("logout") { request, _ in
            var response = HTTPReply.json(["signedOut": true])
            response.headers[.setCookie] = try await gate.logout(request)
            return response
        }
        api.get("me") { request, _ in HTTPReply.json(json(try await gate.person(request))) }
    }

    static func json(_ person: Person) -> JSONValue {
        [
            "user": .string(person.username), "name": .string(person.name),
            "organisation": .string(person.organisation.rawValue), "role": .string(person.role.rawValue),
            "may": .array(
                PersonAction.allCases.filter { RolePolicy.allows(person.role, $0) }.map {
                    .string($0.rawValue)
                }),
        ]
    }
}
