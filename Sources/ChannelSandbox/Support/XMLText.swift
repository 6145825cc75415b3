import Foundation

/// Just enough XML for the Bill99 messages: reading the text of a named element and writing escaped text.
///
/// Guarantees: reading finds the first `<name>` or `<name …>` element (any depth, no namespace handling) and
/// returns its content with CDATA unwrapped and the five predefined entities decoded; nothing is evaluated, so
/// external entities and DTDs are inert. It is not a general XML parser and is only used on bounded bodies.
enum XMLText {
    static func value(of name: String, in text: String) -> String? {
        guard let raw = rawContent(of: name, in: text) else { return nil }
        let trimmed = raw.trimmingWhitespace
        if trimmed.hasPrefix("<![CDATA["), trimmed.hasSuffix("]]>") {
            return String(trimmed.dropFirst(9).dropLast(3))
        }
        return unescape(raw)
    }

    /// The content between `<name…>` and `</name>` as written, or "" for `<name/>`, or nil if absent.
    static func rawContent(of name: String, in text: String) -> String? {
        var searchStart = text.startIndex
        while let open = text.range(of: "<\(name)", range: searchStart..<text.endIndex) {
            guard let close = text.range(of: ">", range: open.upperBound..<text.endIndex) else { return nil }
            let between = text[open.upperBound..<close.lowerBound]
            // `<name>`, `<name attr="…">` or `<name/>`; not `<nameSuffix>`.
            if let first = between.first, first != " " && first != "/" && first != "\t" && first != "\n" {
                searchStart = open.upperBound
                continue
            }
            if between.hasSuffix("/") { return "" }
            guard let end = text.range(of: "</\(name)>", range: close.upperBound..<text.endIndex) else { return nil }
            return String(text[close.upperBound..<end.lowerBound])
        }
        return nil
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

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// `<name>escaped value</name>` for each pair, in order.
    static func elements(_ pairs: [(String, String)]) -> String {
        pairs.map { "<\($0.0)>\(escape($0.1))</\($0.0)>" }.joined()
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
