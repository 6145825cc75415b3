import Foundation
import Hummingbird
import Logging
import PaystreamCore
import PaystreamRuntime

/// `POST /v1/tokens` `{"count":1…50}` (signed; default 1) → 202 `{"delivery":"push","event":"token.issued",
/// "count","expiresInSeconds"}`: one-time tokens for the caller, delivered only over its push channel
/// (`GET /v1/events`, event `token.issued`, data `{"tokens":[…],"expiresInSeconds":300}`), never in this answer.
/// Open the event stream first: a push to an account with no open stream is lost (ask again). An account is
/// issued at most ``OneTimeTokenRule/issueLimit`` tokens per ``OneTimeTokenRule/lifetimeSeconds`` window: beyond
/// that, 429 `token.rate_limited` with `Retry-After` (seconds until the window ends).
struct TokenRoutes: Sendable {
    let services: APIServices

    /// `count` may be left out (1), never null.
    struct Body: Decodable {
        var count: Int?
        enum CodingKeys: String, CodingKey { case count }
        init() {}
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if container.contains(.count), try container.decodeNil(forKey: .count) {
                throw DecodingError.valueNotFound(
                    Int.self, .init(codingPath: [CodingKeys.count], debugDescription: "count must be an integer, not null"))
            }
            count = try container.decodeIfPresent(Int.self, forKey: .count)
        }
    }

    struct Issued: Encodable {
        var delivery = "push"
        var event = OneTimeTokenRule.pushEvent
        var count: Int
        var expiresInSeconds = OneTimeTokenRule.lifetimeSeconds
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/tokens") { request, _ in
            await handle(request, services) { _ in
                var request = request
                let caller = try Caller.account(of: request)
                // The body is optional: none asks for one token.
                let bytes = try await request.bodyBytes()
                let body = bytes.isEmpty ? Body() : try APIJSON.decode(Body.self, from: bytes)
                let count = body.count ?? 1
                guard (1...OneTimeTokenRule.maxBatch).contains(count) else {
                    throw APIError.badRequest("request.invalid_field", "count must be 1...\(OneTimeTokenRule.maxBatch)")
                }
                let tokens: [String]
                do {
                    tokens = try await services.security.tokens.issue(for: caller.description, count: count)
                } catch let limited as OneTimeTokens.IssueLimited {
                    return APIError(
                        .tooManyRequests, "token.rate_limited",
                        "an account is issued at most \(OneTimeTokenRule.issueLimit) tokens every \(OneTimeTokenRule.lifetimeSeconds) s; retry later")
                        .response(correlationID: Caller.correlationID(of: request), retryAfterSeconds: limited.retryAfterSeconds)
                }
                let sealed = try services.security.cipher.seal(String(decoding: APIJSON.encode(tokens), as: UTF8.self), field: TokenPush.label)
                try await services.publisher.publish(tokens: TokenPush(audience: caller.description, event: OneTimeTokenRule.pushEvent, sealed: sealed))
                return .json(.accepted, Issued(count: count))
            }
        }
    }
}

/// Spends the one-time token of every money-moving request (``OneTimeTokenRule``) before anything else of it
/// runs, idempotency included (so a retry with the same `Idempotency-Key` needs a fresh token, then gets the
/// stored answer): 428 `token.required` without `X-Paystream-Token`, 409 `token.reused` for a spent token,
/// 403 `token.invalid` for one that is unknown, expired or another account's. A request without an
/// authenticated account goes on, to be refused by its route like any other.
struct OneTimeTokenMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: OneTimeTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard OneTimeTokenRule.requiresToken(method: request.method.rawValue, path: request.uri.path),
            let account = try? Caller.account(of: request)
        else { return try await next(request, context) }
        if let refusal = try await spend(request, account: account, logger: context.logger) { return refusal }
        return try await next(request, context)
    }

    /// Spends the request's token: nil when it was good, else the refusal. Out of line, so that its frame is
    /// given back before the route runs (``APIRouter``, on frames).
    @inline(never)
    private func spend(_ request: Request, account: AccountID, logger: Logger) async throws -> Response? {
        let correlationID = Caller.correlationID(of: request)
        func refuse(_ error: APIError) -> Response {
            logger.notice("request refused", metadata: ["code": "\(error.code)", "path": "\(request.uri.path)", "correlation_id": "\(correlationID)"])
            return error.response(correlationID: correlationID)
        }
        guard let token = request.header(OneTimeTokenRule.header) else {
            return refuse(APIError(
                .preconditionRequired, "token.required",
                "a money-moving request carries a one-time token in \(OneTimeTokenRule.header) (POST /v1/tokens, delivered on GET /v1/events)"))
        }
        switch try await APIStages.tokenSpend.measure({ try await tokens.spend(token, account: account.description) }) {
        case .accepted: return nil
        case .reused: return refuse(.conflict("token.reused", "this one-time token was spent already: ask for a new one"))
        case .invalid: return refuse(.forbidden("token.invalid", "this one-time token is unknown, expired or another account's"))
        }
    }
}
