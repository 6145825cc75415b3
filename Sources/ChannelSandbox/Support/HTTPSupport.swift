import Foundation
import Hummingbird

/// The largest request body any sandbox endpoint reads; bigger bodies are refused with 413.
let maxRequestBodyBytes = 1 << 20

extension Request {
    /// The whole body, at most ``maxRequestBodyBytes`` bytes.
    mutating func bodyBytes() async throws -> [UInt8] {
        let buffer = try await collectBody(upTo: maxRequestBodyBytes)
        return Array(buffer.readableBytesView)
    }

    /// The raw request target as the client sent it (path and query, still percent-encoded), which is what
    /// WeChat Pay signs as the URL.
    var requestTarget: String { head.path ?? uri.string }
}

/// `application/x-www-form-urlencoded` and query-string coding as browsers and the channels' SDKs do it.
enum FormCoding {
    /// Decodes `a=1&b=x+y%21` into ordered pairs: `+` is a space, `%XX` a byte of UTF-8, a key without `=` has
    /// an empty value. Undecodable escapes are kept as written.
    static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = unescape(String(pieces[0]))
            let value = pieces.count > 1 ? unescape(String(pieces[1])) : ""
            return (key, value)
        }
    }

    /// Encodes pairs in the given order, escaping everything outside RFC 3986's unreserved set.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static func unescape(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// JSON as the sandbox writes it: keys sorted, slashes unescaped, dates as ISO 8601.
enum SandboxJSON {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(bytes))
    }

    /// A short, human-readable reason a body did not decode.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "body is not valid JSON" : "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "\(error)"
        }
    }
}

extension Response {
    static func bytes(_ status: HTTPResponse.Status, _ body: [UInt8], contentType: String, headers: HTTPFields = [:])
        -> Response
    {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        do {
            return .bytes(status, try SandboxJSON.encode(value), contentType: "application/json")
        } catch {
            return .text(.internalServerError, "cannot encode the response: \(error)\n")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain; charset=utf-8")
        -> Response
    {
        .bytes(status, Array(text.utf8), contentType: contentType)
    }
}

/// HTTPTypes' field type, which Hummingbird does not re-export by name.
typealias HeaderField = HTTPFields.Element

extension HTTPFields {
    /// Adds a header by its textual name; names that are not valid HTTP tokens are skipped.
    mutating func append(_ name: String, _ value: String) {
        if let field = HeaderField.Name(name) { self.append(HeaderField(name: field, value: value)) }
    }

    subscript(named name: String) -> String? {
        HeaderField.Name(name).flatMap { self[$0] }
    }
}

/// A control-API error: its HTTP status and a message, answered as `{"error": message}`.
struct SandboxError: Error, CustomStringConvertible {
    let status: HTTPResponse.Status
    let message: String
    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
    var description: String { "\(status.code): \(message)" }

    var response: Response { .json(status, ["error": message]) }
}
