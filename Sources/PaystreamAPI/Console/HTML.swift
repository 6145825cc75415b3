import Foundation

/// A fragment of HTML that is safe by construction: text interpolated into it is escaped, and only another
/// `HTML` value is inserted as markup. The console's pages are written as string literals of this type, so a
/// value from the database or the request (an account name, an error message, a dead letter's payload) can
/// never become markup or break out of an attribute (every attribute is written in double quotes).
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    init(stringLiteral value: String) { text = value }
    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }
    private init(markup: String) { text = markup }

    var description: String { text }

    static let empty: HTML = ""

    /// The fragments one after the other.
    static func joined(_ parts: [HTML]) -> HTML { HTML(markup: parts.map(\.text).joined()) }

    /// `parts` one after the other, or `placeholder` when there are none.
    static func list(_ parts: [HTML], or placeholder: HTML) -> HTML { parts.isEmpty ? placeholder : joined(parts) }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + interpolationCount * 16) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        /// Text: escaped.
        mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        mutating func appendInterpolation(_ value: String?) { text += HTML.escape(value ?? "") }
        mutating func appendInterpolation<T: BinaryInteger>(_ value: T) { text += String(value) }
        /// Markup: inserted as it is.
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ list: [HTML]) { for html in list { text += html.text } }
    }

    /// `&`, `<`, `>`, `"` and `'` as character references.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

/// What the console writes in its pages besides markup: amounts, times, links with query strings.
enum ConsoleFormat {
    /// Fen as yuan with two decimals and a sign: `-12.34`.
    static func yuan(_ fen: Int64) -> String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + "\(magnitude / 100)." + (cents < 10 ? "0" : "") + "\(cents)"
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `path?name=value&…` with every name and value percent-encoded (to be interpolated into an attribute,
    /// which escapes the `&`).
    static func link(_ path: String, _ query: [(String, String?)] = []) -> String {
        let pairs = query.compactMap { name, value in value.map { "\(encode(name))=\(encode($0))" } }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    /// Percent-encoding of everything but the unreserved characters of RFC 3986.
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// An `application/x-www-form-urlencoded` body, as the console's forms send it.
struct ConsoleForm: Sendable {
    private var fields: [String: String] = [:]

    /// The largest form the console accepts.
    static let maxBytes = 16 * 1024

    init(_ bytes: some Collection<UInt8>) {
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            // The first occurrence wins: a field given twice cannot override the one a check already read.
            if fields[name] == nil, let value { fields[name] = value }
        }
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// The field trimmed, or nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
