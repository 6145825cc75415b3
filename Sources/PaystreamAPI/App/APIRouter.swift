import Foundation
import Hummingbird
import Logging
import PaystreamCore

/// Builds the API's router: every `/v1` route answers JSON (or a PNG, or a channel's own acknowledgement), every
/// failure a problem document with a code, every response carries `X-Request-Id`. The back-office console
/// (`/console`, ``ConsoleRoutes``) answers HTML pages for operators' browsers.
enum APIRouter {
    static func make(_ services: APIServices) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
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
        RefundRoutes(services: services).register(on: router)
        EnvelopeRoutes(services: services).register(on: router)
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
    } catch let error as APIError {
        if error.status.code >= 500 && error.status != .serviceUnavailable {
            services.logger.error("request failed", metadata: ["code": "\(error.code)", "error": "\(error.message)", "correlation_id": "\(correlationID)"])
        }
        return error.response(correlationID: correlationID)
    } catch let error as EventDecodingError {
        // An event refused its field (a text with control characters, an id of the wrong shape): the field came
        // from the request, so it is the client's error, not a failure of ours.
        return APIError.badRequest("request.invalid_field", error.message).response(correlationID: correlationID)
    } catch let error as any HTTPResponseError where error.status.code < 500 {
        // Raised by Hummingbird while reading the request (a body over the limit, say): the client's fault.
        return APIError(http: error.status).response(correlationID: correlationID)
    } catch {
        services.logger.error("request failed unexpectedly", metadata: ["error": "\(error)", "correlation_id": "\(correlationID)", "path": "\(request.uri.path)"])
        return APIError.unexpected(error).response(correlationID: correlationID)
    }
    response.headers[HeaderField.Name("X-Request-Id")!] = correlationID
    return response
}
