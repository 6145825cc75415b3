import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 description of every public endpoint of paystream-api
/// (`docs/openapi.json`, embedded in ``OpenAPIDocument``). `OpenAPIContractTests` keeps it equal to the router's
/// routes. Needs no identity; answers `application/json` with `X-Request-Id` like every other route.
struct OpenAPIRoutes: Sendable {
    func register(on router: Router<APIRequestContext>) {
        let document = Array(OpenAPIDocument.json.utf8)
        router.get("/openapi.json") { request, _ in
            var response = Response.bytes(.ok, document, contentType: "application/json")
            response.headers[HeaderField.Name("X-Request-Id")!] = Caller.correlationID(of: request)
            return response
        }
    }
}
