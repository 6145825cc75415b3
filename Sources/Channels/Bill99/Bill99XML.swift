import Foundation

/// Just enough XML for Bill99's flat messages.
///
/// Guarantees: reading refuses documents with a DTD or entity declarations (nothing is ever expanded or
/// fetched), refuses an element that appears more than once where one is expected (so a signed message cannot
/// say two things), unwraps CDATA and decodes only the five predefined entities and numeric character
/// references are refused; writing escapes `& < > " '` in every value.
enum Bill99XML {
    struct Malformed: Error, CustomStringConvertible { let description: String }

    static func elements(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { "<\(name)>\(escape($0))</\(name)>" } }.joined()
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// The text of the only `<name>` element in `text`, nil if there is none.
    static func value(_ name: String, in text: String) throws(Malformed) -> String? {
        guard !text.contains("<!DOCTYPE"), !text.contains("<!ENTITY") else {
            throw Malformed(description: "DTDs and entity declarations are not accepted")
        }
        var found: String?
        var searchStart = text.startIndex
        while let open = text.range(of: "<\(name)", range: searchStart..<text.endIndex) {
            guard let close = text.range(of: ">", range: open.upperBound..<text.endIndex) else {
                throw Malformed(description: "unterminated <\(name)")
            }
            let between = text[open.upperBound..<close.lowerBound]
            searchStart = close.upperBound
            // `<name>`, `<name attr="…">` or `<name/>`; not `<nameSuffix>`.
            if let first = between.first, first != " " && first != "/" && first != "\t" && first != "\n" { continue }
            guard found == nil else { throw Malformed(description: "<\(name)> appears more than once") }
            if between.hasSuffix("/") {
                found = ""
                continue
            }
            guard let end = text.range(of: "</\(name)>", range: close.upperBound..<text.endIndex) else {
                throw Malformed(description: "<\(name)> is not closed")
            }
            found = try content(String(text[close.upperBound..<end.lowerBound]), name)
            searchStart = end.upperBound
        }
        return found
    }

    private static func content(_ raw: String, _ name: String) throws(Malformed) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("<![CDATA["), trimmed.hasSuffix("]]>") { return String(trimmed.dropFirst(9).dropLast(3)) }
        guard !raw.contains("<") else { throw Malformed(description: "<\(name)> is not a text element") }
        guard raw.contains("&") else { return raw }
        guard !raw.contains("&#") else { throw Malformed(description: "character references are not accepted") }
        return raw.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
