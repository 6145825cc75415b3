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
/// - a claim still unanswered ``abandonedAfterSeconds`` after it was made is one whose process stopped mid-request
///   (killed, crashed): whether it took effect is not known, as with a 5xx, so from then on the key's answer is a
///   stored 500 `idempotency.outcome_unknown` (not 409 for the rest of its 24 h), and still never a second effect;
/// - keys expire 24 h after their first use. Requests without the header are not affected.
/// - `POST /v1/auth/login` is never keyed (the header is ignored): its answer is a bearer session, which must not
///   be kept in `api_idempotency` for a day, and a login tried again just opens another session.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let header = "Idempotency-Key"
    /// Routes whose answers hold a credential: never stored.
    static let unkeyedPaths: Set<String> = ["/v1/auth/login"]

    /// True for a path of ``unkeyedPaths``, however many slashes end it (the router takes `/v1/auth/login/` too).
    static func isUnkeyed(_ path: String) -> Bool {
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return unkeyedPaths.contains(String(path))
    }
    /// Far longer than any request runs (channel calls time out in seconds).
    static let abandonedAfterSeconds = 300
    let postgres: PostgresClient
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, request.uri.path.hasPrefix("/v1/"), let key = request.header(Self.header),
            !Self.isUnkeyed(request.uri.path)
        else {
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
            var stored = row
            if try row.decode(Int?.self, column: "status") == nil {
                guard let abandoned = try await settleAbandoned(caller: caller, key: key, correlationID: correlationID) else {
                    return problem(.conflict("idempotency.in_progress", "the first request with this \(Self.header) is still being processed"))
                }
                stored = abandoned
            }
            let status = try stored.decode(Int.self, column: "status")
            var response = Response.bytes(
                HTTPResponse.Status(code: status), Array((try stored.decode(String?.self, column: "body") ?? "").utf8),
                contentType: try stored.decode(String?.self, column: "content_type") ?? "application/json")
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
        let kept = try await postgres.query(
            """
            UPDATE api_idempotency SET status = \(Int(response.status.code)), content_type = \(contentType),
                   body = \(String(decoding: bytes, as: UTF8.self)), completed_at = now()
            WHERE caller = \(caller) AND key = \(key) AND completed_at IS NULL
            RETURNING 1 AS stored
            """)
        if kept.isEmpty {
            // Answered so late that retries were told its outcome is unknown: that stays the key's answer.
            logger.warning(
                "an idempotency key's first request answered after it was settled as unknown; retries keep that answer",
                metadata: ["caller": "\(caller)", "key": "\(key)", "status": "\(response.status.code)"])
        }
        var stored = Response(status: response.status, headers: response.headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        stored.headers[.contentLength] = nil
        return stored
    }
}

extension IdempotencyMiddleware {
    /// Stores 500 `idempotency.outcome_unknown` as the answer of a claim unanswered for ``abandonedAfterSeconds``, and
    /// returns the stored row (status, content type, body); nil while the claim is younger, or answered meanwhile.
    fileprivate func settleAbandoned(caller: String, key: String, correlationID: String) async throws -> PostgresRow? {
        let unknown = APIError(
            .internalServerError, "idempotency.outcome_unknown",
            "the first request with this \(Self.header) stopped without an answer; whether it took effect is not known: look the result up before trying again with a new key")
        let body = String(decoding: unknown.problem(correlationID: correlationID), as: UTF8.self)
        let rows = try await postgres.query(
            """
            UPDATE api_idempotency SET status = \(Int(unknown.status.code)), content_type = 'application/problem+json', body = \(body),
                   completed_at = now()
            WHERE caller = \(caller) AND key = \(key) AND status IS NULL
              AND created_at < now() - \(Self.abandonedAfterSeconds) * interval '1 second'
            RETURNING status, content_type, body
            """)
        guard let row = rows.first else { return nil }
        logger.warning(
            "an idempotency key's first request never answered: its outcome is unknown", metadata: ["caller": "\(caller)", "key": "\(key)"])
        return row
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
