import Hummingbird
import KnooppuntDomain
import KnooppuntProtocol
import Logging
import StrictJSON

/// An API error as JSON: `{"code": 402, "name": "unknownIncident", "message": "…"}`, with the
/// protocol's stable error codes (docs/PROTOCOL.md §7) where one fits, and for a document
/// that does not validate every problem with its field path.
public struct APIError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let code: ErrorCode
    public let message: String
    public var problems: [Problem] = []
    public var detail: [String: JSONValue] = [:]
    /// Headers the answer must carry besides the body's (426 names the protocol to upgrade to).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: ErrorCode, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// A document that did not validate: 422 with every problem and its field path.
    public static func invalid(_ problems: Problems) -> APIError {
        var error = APIError(.unprocessableContent, problems.first.code, problems.first.message)
        error.problems = problems.problems
        return error
    }

    public var json: JSONValue {
        var object = detail
        object["code"] = .integer(Int64(code.rawValue))
        object["name"] = .string(code.name)
        object["message"] = .string(message)
        if !problems.isEmpty {
            object["problems"] = .array(
                problems.map {
                    [
                        "code": .integer(Int64($0.code.rawValue)), "name": .string($0.code.name),
                        "field": .string($0.field), "message": .string($0.message),
                    ]
                })
        }
        return .object(object)
    }

    public var response: Response {
        var response = HTTPReply.json(json, status: status)
        for field in headers { response.headers[field.name] = field.value }
        return response
    }

    /// The API's error for an HTTP condition that has no code of its own in the protocol.
    static func from(_ status: HTTPResponse.Status, message: String? = nil) -> APIError {
        switch status.code {
        case 404: APIError(status, .unknownCommand, message ?? "no such endpoint")
        case 405: APIError(status, .unknownCommand, message ?? "this endpoint does not take that method")
        case 413: APIError(status, .frameTooLarge, message ?? "the request body is too large")
        case 400..<500: APIError(status, .invalidJSON, message ?? "bad request")
        default: APIError(status, .storageFailure, message ?? "internal error")
        }
    }
}

/// Turns every error a route throws into the API's JSON error, so a client never has to read
/// an HTML error page or an empty body.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            return APIError.from(error.status, message: error.body).response
        } catch {
            // Caught here so one failing request does not tear down the connection unanswered.
            logger.error(
                "request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            return APIError(.internalServerError, .storageFailure, "internal error: \(error)").response
        }
    }
}

extension APIError {
    /// The fields of a write's JSON body: an object, with no field outside `allowed` (the
    /// first unknown one, in name order, is named in the answer).
    static func requestFields(
        _ request: JSONValue, allowed: Set<String>
    ) throws(APIError) -> [String: JSONValue] {
        guard let fields = request.objectValue else {
            throw APIError(.badRequest, .wrongType, "the request body is a JSON object")
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalid(
                Problems(
                    Problem(.unknownField, field: unknown, "\"\(unknown)\" is not a field of this request")))
        }
        return fields
    }

    /// Decodes a write's document strictly with `codec`. `problems` were found in the request
    /// before; the codec's problems join them, each named by the request's field as `field`
    /// says (nil leaves a problem out). Any problem at all answers 422 with every one.
    static func decodingDocument(
        _ document: [String: JSONValue], codec: DocumentCodec, problems: [Problem],
        field: (Problem) -> String?
    ) throws(APIError) -> ReportDocument {
        var problems = problems
        do {
            let decoded = try codec.decode(.object(document))
            if !problems.isEmpty { throw APIError.invalid(Problems(problems)) }
            return decoded
        } catch let error as APIError {
            throw error
        } catch let error as Problems {
            for problem in error.problems {
                guard let name = field(problem) else { continue }
                problems.append(Problem(problem.code, field: name, problem.message))
            }
            throw APIError.invalid(Problems(problems))
        } catch {
            throw APIError(.badRequest, .invalidJSON, "\(error)")
        }
    }
}
