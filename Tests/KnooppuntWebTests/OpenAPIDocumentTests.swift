import Foundation
import Hummingbird
import KnooppuntCore
import KnooppuntDomain
import Testing
import Yams

@testable import KnooppuntWeb

/// docs/openapi.yaml against the routes the desk and an operator screen really register
/// (Hummingbird's `Router.routes`): every route is documented under the server that has it,
/// no documented operation is missing from that server's router, the `desk` and `screen` tags
/// say the same as the paths' servers, and every answer with a body names its schema.
@Suite("docs/openapi.yaml and the routers of the desk and the screen")
struct OpenAPIDocumentTests {
    enum Server: String, CaseIterable, Sendable {
        case desk, screen
    }

    /// `GET /api/v1/incidents/{id}`: a method and a path in the document's spelling.
    struct Operation: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
        static func < (a: Operation, b: Operation) -> Bool { a.description < b.description }
    }

    static let documentURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static func document() throws -> [String: Any] {
        let text = try String(contentsOf: documentURL, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any] else {
            throw TestError("docs/openapi.yaml is not a mapping")
        }
        return root
    }

    /// Which server a `servers` entry names: the desk by its default port, any other a screen.
    static func server(_ entry: Any) throws -> Server {
        guard let url = (entry as? [String: Any])?["url"] as? String, let port = URL(string: url)?.port else {
            throw TestError("a server without a URL and port: \(entry)")
        }
        return port == DeskOptions.defaultPort ? .desk : .screen
    }

    /// Every documented operation, with the servers of its path and its server tags.
    static func documented() throws -> [(operation: Operation, servers: Set<Server>, tags: Set<Server>)] {
        let root = try document()
        guard let paths = root["paths"] as? [String: Any] else { throw TestError("no paths") }
        var result: [(Operation, Set<Server>, Set<Server>)] = []
        for (path, value) in paths {
            guard let item = value as? [String: Any] else { throw TestError("\(path) is not a mapping") }
            let entries = (item["servers"] ?? root["servers"]) as? [Any] ?? []
            let servers = Set(try entries.map(server))
            for method in methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let tags = Set(((operation["tags"] as? [String]) ?? []).compactMap(Server.init(rawValue:)))
                result.append((Operation(method: method.uppercased(), path: path), servers, tags))
            }
        }
        return result
    }

    /// The routes `server` registers, in the document's spelling (`:id` becomes `{id}`).
    static func registered(_ server: Server) throws -> Set<Operation> {
        let descriptions: [String]
        switch server {
        case .desk:
            let gate = try TestPeople(.national).gate()
            let desk = DeskServer(
                settings: .init(), backend: FakeDesk(sample: SamplePicture()), gate: gate,
                logger: TestLog.logger)
            descriptions = desk.makeRouter(bound: BoundPort(0)).routes.map { "\($0.method) \($0.path)" }
        case .screen:
            let region = OrganisationCode("VR09")!
            let gate = try TestPeople(region).gate()
            let screen = OperatorScreen(
                backend: FakeDaemon(sample: SamplePicture(view: .organisation(region))), gate: gate, port: 0,
                logger: TestLog.logger)
            descriptions = screen.makeRouter(bound: BoundPort(0)).routes.map { "\($0.method) \($0.path)" }
        }
        return Set(
            try descriptions.map { description in
                let parts = description.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw TestError("unexpected route \(description)") }
                let path = parts[1].split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }
                return Operation(method: parts[0], path: "/" + path.joined(separator: "/"))
            })
    }

    @Test(
        "every route of a server is documented under it, and every operation documented under it is a route",
        arguments: Server.allCases)
    func routesMatch(_ server: Server) throws {
        let routes = try Self.registered(server)
        let documented = Set(try Self.documented().filter { $0.servers.contains(server) }.map(\.operation))
        #expect(!routes.isEmpty)
        let undocumented = routes.subtracting(documented).sorted()
        let missing = documented.subtracting(routes).sorted()
        #expect(
            undocumented.isEmpty,
            "routes of the \(server) that docs/openapi.yaml does not give it: \(undocumented)")
        #expect(
            missing.isEmpty,
            "operations docs/openapi.yaml gives the \(server) that it does not have: \(missing)")
    }

    @Test("each operation is tagged desk and/or screen exactly as its path's servers say")
    func tagsNameTheServers() throws {
        let operations = try Self.documented()
        #expect(operations.count > 30)
        for (operation, servers, tags) in operations {
            #expect(!servers.isEmpty, "\(operation) names no server")
            #expect(
                tags == servers,
                "\(operation): tags \(tags.map(\.rawValue).sorted()), servers \(servers.map(\.rawValue).sorted())"
            )
        }
    }

    @Test("every answer that has a body names its media type and schema")
    func answersHaveSchemas() throws {
        let root = try Self.document()
        let components = (root["components"] as? [String: Any])?["responses"] as? [String: Any] ?? [:]
        // Answers without a body: switching protocols, no content, a redirect, not modified.
        let bodiless: Set<String> = ["101", "204", "303", "304"]
        for (path, value) in root["paths"] as? [String: Any] ?? [:] {
            let item = value as? [String: Any] ?? [:]
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let responses = operation["responses"] as? [String: Any] ?? [:]
                #expect(!responses.isEmpty, "\(method) \(path) has no responses")
                for (status, answer) in responses where !bodiless.contains(status) {
                    var response = answer as? [String: Any] ?? [:]
                    if let reference = response["$ref"] as? String {
                        let name = String(reference.split(separator: "/").last ?? "")
                        response = components[name] as? [String: Any] ?? [:]
                        #expect(
                            !response.isEmpty, "\(method) \(path) \(status): \(reference) is not a response")
                    }
                    let content = response["content"] as? [String: Any] ?? [:]
                    #expect(!content.isEmpty, "\(method) \(path) \(status) names no media type")
                    for (type, media) in content {
                        #expect(
                            (media as? [String: Any])?["schema"] != nil,
                            "\(method) \(path) \(status) \(type) has no schema")
                    }
                }
            }
        }
    }

    @Test("a person's role and actions in the document are exactly the code's")
    func personEnumsMatchTheCode() throws {
        let root = try Self.document()
        let schemas = (root["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        let properties = (schemas["Person"] as? [String: Any])?["properties"] as? [String: Any] ?? [:]
        let roles = (properties["role"] as? [String: Any])?["enum"] as? [String] ?? []
        let actions =
            ((properties["may"] as? [String: Any])?["items"] as? [String: Any])?["enum"] as? [String] ?? []
        #expect(Set(roles) == Set(Role.allCases.map(\.rawValue)))
        #expect(Set(actions) == Set(PersonAction.allCases.map(\.rawValue)))
    }
}
