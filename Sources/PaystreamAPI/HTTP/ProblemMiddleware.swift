import Foundation
import Hummingbird
import Logging

/// Turns the errors Hummingbird itself raises (no such route, a body too large, a bad request line) into the
/// API's one error model: `application/problem+json` with a `code` (`http.not_found`, `http.payload_too_large`,
/// …) and the request's correlation id; a documented path asked with another method is 405 with `Allow`. Route handlers answer their own errors through `handle`.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await APIStages.request.measure { try await next(request, context) }
        } catch {
            return Self.response(to: error, of: request, logger: context.logger)
        }
    }

    /// The problem document for `error`. Synchronous and out of line, so that none of it sits in the async frame
    /// that stays under every route (``APIRouter``, on frames).
    @inline(never)
    static func response(to error: any Error, of request: Request, logger: Logger) -> Response {
        switch error {
        case let error as APIError:
            return error.response(correlationID: Caller.correlationID(of: request))
        case let error as any HTTPResponseError:
            if error.status == .notFound, let allowed = DocumentedMethods.allowed(for: request.uri.path) {
                var response = APIError(
                    .methodNotAllowed, "http.method_not_allowed",
                    "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method.rawValue)"
                ).response(correlationID: Caller.correlationID(of: request))
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            let message = error.status == .notFound ? "no such endpoint: \(request.method.rawValue) \(request.uri.path)" : nil
            return APIError(http: error.status, message: message).response(correlationID: Caller.correlationID(of: request))
        default:
            // A middleware's own failure (the idempotency store unreachable, say).
            let correlationID = Caller.correlationID(of: request)
            logger.error("request failed unexpectedly", metadata: ["error": "\(error)", "correlation_id": "\(correlationID)", "path": "\(request.uri.path)"])
            return APIError.unexpected(error).response(correlationID: correlationID)
        }
    }
}
