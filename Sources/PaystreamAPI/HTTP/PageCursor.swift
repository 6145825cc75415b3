import Foundation

/// An opaque position in a list ordered by (creation time, id): base64url of the id of the last item of a page.
///
/// Guarantees: the next page starts strictly after that item in the list's order (its exact creation time is
/// read from the database, not from the cursor), so items created meanwhile never repeat or shift a page. A
/// malformed cursor is a 400 `request.invalid_cursor`.
struct PageCursor: Sendable, Equatable {
    let id: String

    var token: String {
        Data(id.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func parse(_ token: String?) throws(APIError) -> PageCursor? {
        guard let token, !token.isEmpty else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard token.count <= 200, let data = Data(base64Encoded: base64), let id = String(data: data, encoding: .utf8), !id.isEmpty
        else { throw .badRequest("request.invalid_cursor", "cursor is not one this API returned") }
        return PageCursor(id: id)
    }

    /// A page size from the `limit` query parameter: `default` when absent, else an integer 1...100; anything else
    /// (not a number, zero, a thousand) is a 400 `request.invalid_limit`.
    static func limit(_ text: String?, default: Int) throws(APIError) -> Int {
        guard let text else { return `default` }
        guard let limit = Int(text), (1...100).contains(limit) else {
            throw .badRequest("request.invalid_limit", "limit must be an integer 1...100")
        }
        return limit
    }
}
