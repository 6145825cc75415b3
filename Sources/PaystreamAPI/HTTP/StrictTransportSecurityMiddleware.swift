import Hummingbird

/// On an API served over HTTPS, every answer carries `Strict-Transport-Security: max-age=31536000`: a browser (the
/// console's operators, a payer's collection page) that has reached the API over HTTPS once never falls back to
/// plain HTTP for a year, so a network attacker cannot strip TLS from a later visit. Plain HTTP (loopback only) sends
/// none: the header means nothing there.
struct StrictTransportSecurityMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    static let value = "max-age=31536000"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.strictTransportSecurity] = Self.value
        return response
    }
}
