import Cryptography
import Foundation
import Hummingbird
import Logging
import NIOCore
import Postgres

/// Client idempotency for every `POST /v1/…`: a request carrying `Idempotency-Key` is done at most once per
/// caller and key.
///
/// Guarantees:
/// - the first request with a key claims it (caller = the authenticated account, else the operator, else
///   the anonymous payer), together with a SHA-256 digest of method, path and body; its answer — success,
///   refusal or failure — is stored with the key. A 5xx is kept too: whether such a request took effect is not
///   known (a withdrawal can commit before its answer fails), so running it again could do it twice;
/// - a retry with the same key and the same request gets the stored status and body again, marked
///   `Idempotent-Replayed: true`, and does nothing;
/// - the same key with a different request is refused with 422 `idempotency.key_reused`;
/// - a retry while the first is still running gets 409 `idempotency.in_progress`, never a second effect;
/// - keys expire 24 h after their first use. Requests without the header are not affected.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let header = "Idempotency-Key"
    let postgres: PostgresClient
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, request.uri.path.hasPrefix("/v1/"), let key = request.header(Self.header) else {
            return try await next(request, context)
        }
        return try await keyed(request, key: key, context: context, next: next)
    }

    /// A request with a key. Out of line so that requests without one carry no frame of it (``APIRouter``, on frames).
    @inline(never)
    private func keyed(
        _ request: Request, key: String, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let correlationID = Caller.correlationID(of: request)
        func problem(_ error: APIError) -> Response { error.response(correlationID: correlationID) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return problem(.badRequest("idempotency.invalid_key", "\(Self.header) must be 1...255 printable ASCII characters"))
        }
        var request = request
        let body = try await request.collectBody(upTo: maxRequestBodyBytes)
        guard let caller = Caller.idempotencyScope else { return try await next(request, context) }
        let digest = Hex.encode(SHA256.hash(Array("\(request.method.rawValue) \(request.uri.path)\n".utf8) + Array(body.readableBytesView)))

        let claimed = try await postgres.query(
            """
            INSERT INTO api_idempotency AS i (caller, key, digest) VALUES (\(caller), \(key), \(digest))
            ON CONFLICT (caller, key) DO UPDATE SET digest = EXCLUDED.digest, status = NULL, content_type = NULL, body = NULL,
                created_at = now(), completed_at = NULL
            WHERE i.created_at < now() - interval '24 hours'
            RETURNING 1 AS claimed
            """)
        if claimed.isEmpty {
            let rows = try await postgres.query(
                "SELECT digest, status, content_type, body FROM api_idempotency WHERE caller = \(caller) AND key = \(key)")
            guard let row = rows.first else { return problem(APIError.conflict("idempotency.in_progress", "retry in a moment")) }
            guard try row.decode(String.self, column: "digest") == digest else {
                return problem(.unprocessable("idempotency.key_reused", "this \(Self.header) was used for a different request"))
            }
            guard let status = try row.decode(Int?.self, column: "status") else {
                return problem(.conflict("idempotency.in_progress", "the first request with this \(Self.header) is still being processed"))
            }
            var response = Response.bytes(
                HTTPResponse.Status(code: status), Array((try row.decode(String?.self, column: "body") ?? "").utf8),
                contentType: try row.decode(String?.self, column: "content_type") ?? "application/json")
            response.headers[HeaderField.Name("Idempotent-Replayed")!] = "true"
            response.headers[HeaderField.Name("X-Request-Id")!] = correlationID
            return response
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            _ = try? await postgres.execute(
                "DELETE FROM api_idempotency WHERE caller = \(caller) AND key = \(key) AND completed_at IS NULL")
            throw error
        }
        // Keep the answer: collect the body, store it, answer with the same bytes.
        let collector = BodyCollector()
        try await response.body.write(CollectingWriter(collector: collector))
        let bytes = collector.buffer
        let contentType = response.headers[.contentType] ?? "application/json"
        try await postgres.execute(
            """
            UPDATE api_idempotency SET status = \(Int(response.status.code)), content_type = \(contentType),
                   body = \(String(decoding: bytes, as: UTF8.self)), completed_at = now()
            WHERE caller = \(caller) AND key = \(key)
            """)
        var stored = Response(status: response.status, headers: response.headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        stored.headers[.contentLength] = nil
        return stored
    }
}

/// Collects a response body's bytes (the API's bodies are small JSON documents).
final class BodyCollector: @unchecked Sendable {
    // Written only by the one task that writes the body, then read by it: never shared concurrently.
    var buffer: [UInt8] = []
}

struct CollectingWriter: ResponseBodyWriter {
    let collector: BodyCollector
    mutating func write(_ buffer: ByteBuffer) async throws { collector.buffer += Array(buffer.readableBytesView) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
