import Foundation
import Hummingbird
import NIOCore

/// The largest request body the API reads; bigger bodies are refused with 413.
let maxRequestBodyBytes = 256 * 1024

/// JSON as the API writes it: sorted keys, no escaped slashes, dates as ISO 8601, amounts as integers of fen.
enum APIJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Every API response type is a plain struct of strings, integers and dates: encoding cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    /// Decodes a request body, refusing anything that is not the documented JSON with a 400 naming the field.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(APIError) -> T {
        if let problem = shapeProblem(bytes) { throw .badRequest("request.invalid_body", problem) }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw .badRequest("request.invalid_body", describe(error))
        } catch {
            throw .badRequest("request.invalid_body", "body is not valid JSON")
        }
    }

    /// The deepest nesting of arrays and objects a request body may have; no API body needs more than 3.
    static let maxDepth = 16

    /// Why the body's shape is refused before decoding, or nil: nesting deeper than ``maxDepth`` (a cheap
    /// defence against bodies built to exhaust the decoder), or a number outside the strings with a fraction
    /// or an exponent (`1.5`, `1e3`, `1.0`), which Foundation's decoder would turn into an integer when it is
    /// one exactly. The API has no fractional field, so such a number is always a mistake, and with money a
    /// dangerous one.
    static func shapeProblem(_ bytes: [UInt8]) -> String? {
        var inString = false, escaped = false, inNumber = false, depth = 0
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; inNumber = false
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): inNumber = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"):
                if inNumber { return "numbers must be integers (amounts are integers of fen): no fraction, no exponent" }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                inNumber = false
                if depth > maxDepth { return "the body nests deeper than \(maxDepth) levels" }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1; inNumber = false
            default: inNumber = false
            }
        }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String { context.codingPath.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, _): return "missing field \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at \(path(context))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "body is not valid JSON" : "bad value at \(path(context))"
        @unknown default: return "body does not decode"
        }
    }
}

extension Request {
    /// The whole body, at most ``maxRequestBodyBytes`` bytes (413 beyond).
    mutating func bodyBytes() async throws -> [UInt8] {
        let buffer = try await collectBody(upTo: maxRequestBodyBytes)
        return Array(buffer.readableBytesView)
    }

    /// The request's JSON body as `T`.
    mutating func decode<T: Decodable>(_ type: T.Type) async throws -> T {
        try APIJSON.decode(type, from: try await bodyBytes())
    }

    func header(_ name: String) -> String? {
        guard let field = HeaderField.Name(name) else { return nil }
        return headers[field]
    }
}

/// HTTPTypes' field type, which Hummingbird does not re-export by name.
typealias HeaderField = HTTPFields.Element

extension Response {
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        bytes(status, APIJSON.encode(value), contentType: "application/json", headers: headers)
    }

    static func bytes(_ status: HTTPResponse.Status, _ body: [UInt8], contentType: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        bytes(status, Array(text.utf8), contentType: contentType)
    }
}
