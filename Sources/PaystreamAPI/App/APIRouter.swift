import Foundation
import Hummingbird
import Logging
import PaystreamCore

/// Builds the API's router: every `/v1` route answers JSON (or a PNG, or a channel's own acknowledgement), every
/// failure a problem document with a code, every response carries `X-Request-Id`. The back-office console
/// (`/console`, ``ConsoleRoutes``) answers HTML pages for operators' browsers.
///
/// On frames: an async function's locals, with those of every async function inlined into it, live in one frame
/// on its task's allocator, and the task of a connection keeps the allocator's memory at its high-water mark for
/// as long as the connection is open (Swift's task allocator frees its slabs only when the task ends). An event
/// stream holds its connection for hours, so what lies on the stack under a route counts once per connected
/// client. The middlewares therefore stay thin: their work before the route runs (verifying a signature,
/// spending a token, claiming an idempotency key, turning an error into a problem document) is in functions
/// marked `@inline(never)`, whose frames are given back before the route's frames take their place.
enum APIRouter {
    /// `https`: the API is served over TLS, and every answer says so (``StrictTransportSecurityMiddleware``).
    static func make(_ services: APIServices, https: Bool = false) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        if https { router.add(middleware: StrictTransportSecurityMiddleware()) }
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AuthenticationMiddleware(security: services.security, now: services.now))
        router.add(middleware: OneTimeTokenMiddleware(tokens: services.security.tokens))
        router.add(middleware: IdempotencyMiddleware(postgres: services.store.postgres, logger: services.logger))
        router.get("/healthz") { _, _ in "ok\n" }
        AccountRoutes(services: services).register(on: router)
        RechargeRoutes(services: services).register(on: router)
        CollectionRoutes(services: services).register(on: router)
        WithdrawalRoutes(services: services).register(on: router)
        CardRoutes(services: services).register(on: router)
        WeChatAccountRoutes(services: services).register(on: router)
        RefundRoutes(services: services).register(on: router)
        EnvelopeRoutes(services: services).register(on: router)
        GroupRoutes(services: services).register(on: router)
        PushRoutes(services: services).register(on: router)
        NotifyRoutes(services: services).register(on: router)
        LoginRoutes(services: services).register(on: router)
        TokenRoutes(services: services).register(on: router)
        ConsoleRoutes(services: services).register(on: router)
        OpenAPIRoutes().register(on: router)
        return router
    }
}

/// Runs a handler with the request's correlation id, turning every error into a problem document.
func handle(
    _ request: Request, _ services: APIServices, _ body: (String) async throws -> Response
) async -> Response {
    let correlationID = Caller.correlationID(of: request)
    var response: Response
    do {
        response = try await TraceContext.$traceparent.withValue(TraceContext.traceparent(of: request)) {
            try await body(correlationID)
        }
    } catch {
        return failureResponse(error, request, services, correlationID: correlationID)
    }
    response.headers[HeaderField.Name("X-Request-Id")!] = correlationID
    return response
}

/// The problem document of a handler's error. Synchronous and out of line, so that it adds nothing to the async
/// frame that stays under the route (``APIRouter``, on frames).
@inline(never)
private func failureResponse(_ error: any Error, _ request: Request, _ services: APIServices, correlationID: String) -> Response {
    switch error {
    case let error as APIError:
        if error.status.code >= 500 && error.status != .serviceUnavailable {
            services.logger.error("request failed", metadata: ["code": "\(error.code)", "error": "\(error.message)", "correlation_id": "\(correlationID)"])
        }
        return error.response(correlationID: correlationID)
    case let error as EventDecodingError:
        // An event refused its field (a text with control characters, an id of the wrong shape): the field came
        // from the request, so it is the client's error, not a failure of ours.
        return APIError.badRequest("request.invalid_field", error.message).response(correlationID: correlationID)
    case let error as any HTTPResponseError where error.status.code < 500:
        // Raised by Hummingbird while reading the request (a body over the limit, say): the client's fault.
        return APIError(http: error.status).response(correlationID: correlationID)
    default:
        services.logger.error("request failed unexpectedly", metadata: ["error": "\(error)", "correlation_id": "\(correlationID)", "path": "\(request.uri.path)"])
        return APIError.unexpected(error).response(correlationID: correlationID)
    }
}
