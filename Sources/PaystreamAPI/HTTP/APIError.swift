import Foundation
import Hummingbird

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
