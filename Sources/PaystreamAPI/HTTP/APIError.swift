import Foundation
import Hummingbird
import Postgres
import Redis

/// A refusal the API answers with: an HTTP status, a stable machine-readable code (`order.not_found`,
/// `risk.withdraw.daily_count`, `balance.insufficient_available`) and a human message.
///
/// Guarantees: every 4xx and 5xx the API writes is one of these, rendered as `application/problem+json`
/// (RFC 9457) with `code` and the request's correlation id; the message never contains secrets.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The model's form of an error Hummingbird raised itself: code `http.<reason phrase>` (`http.not_found`).
    init(http status: HTTPResponse.Status, message: String? = nil) {
        self.init(status, "http." + status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"), message ?? status.reasonPhrase)
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
    static func notFound(_ code: String, _ message: String) -> APIError { APIError(.notFound, code, message) }
    static func conflict(_ code: String, _ message: String) -> APIError { APIError(.conflict, code, message) }
    static func forbidden(_ code: String, _ message: String) -> APIError { APIError(.forbidden, code, message) }
    static func unprocessable(_ code: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, code, message)
    }

    /// The problem document as a response, with the request's correlation id in `X-Request-Id`.
    func response(correlationID: String) -> Response {
        var response = Response.bytes(status, problem(correlationID: correlationID), contentType: "application/problem+json")
        response.headers[HeaderField.Name("X-Request-Id")!] = correlationID
        return response
    }

    /// The problem response with `Retry-After` (seconds, at least 1): a refusal that says when to try again.
    func response(correlationID: String, retryAfterSeconds: Int) -> Response {
        var response = response(correlationID: correlationID)
        response.headers[.retryAfter] = String(max(1, retryAfterSeconds))
        return response
    }

    /// The problem document.
    func problem(correlationID: String) -> [UInt8] {
        let object: [String: String] = [
            "type": "https://paystream.dev/problems/\(code)", "title": status.reasonPhrase, "code": code,
            "detail": message, "correlationId": correlationID, "status": String(status.code),
        ]
        var json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        // `status` as a number, as RFC 9457 defines it.
        if let text = String(data: json, encoding: .utf8) {
            json = Data(text.replacingOccurrences(of: "\"status\":\"\(status.code)\"", with: "\"status\":\(status.code)").utf8)
        }
        return Array(json)
    }
}

extension APIError {
    /// The answer for an error no route expected: 503 `service.unavailable` when a dependency (PostgreSQL,
    /// Redis) is unreachable or overloaded for the moment — a retry later can succeed —, else 500 `internal.error`.
    /// Nothing of the error's text reaches the client; the caller logs it.
    static func unexpected(_ error: any Error) -> APIError {
        let transient =
            switch error {
            case let error as PostgresError: error.isRetriable
            case let error as RedisError: [.connectionFailed, .timeout, .io, .poolAcquireTimeout].contains(error.code)
            default: false
            }
        return transient
            ? APIError(.serviceUnavailable, "service.unavailable", "a service the API needs is not answering; retry later")
            : APIError(.internalServerError, "internal.error", "the request failed; it can be retried with the same order id")
    }
}
