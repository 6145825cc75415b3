import Foundation

/// The one rule for free text a client sends (descriptions, greetings, reasons, group names): trimmed, no
/// control characters, a bounded number of characters. Checked before anything is stored or sent to a channel,
/// so a channel never refuses our own request for its text and no event is built from text its schema refuses.
enum InputText {
    /// `value` trimmed, or nil when absent or blank; 400 `request.invalid_field` naming `field` when it is
    /// longer than `maxCharacters` or contains a control character (tabs and newlines included).
    static func optional(_ value: String?, field: String, maxCharacters: Int) throws(APIError) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        // Counted in Unicode scalars, as JSON Schema's maxLength counts, before trimming.
        guard value.unicodeScalars.count <= maxCharacters else {
            throw APIError.badRequest("request.invalid_field", "\(field) must be at most \(maxCharacters) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("request.invalid_field", "\(field) must not contain control characters")
        }
        return trimmed
    }

    /// Like ``optional(_:field:maxCharacters:)``, with `default` when the client sent none.
    static func optional(_ value: String?, field: String, maxCharacters: Int, default: String) throws(APIError) -> String {
        try optional(value, field: field, maxCharacters: maxCharacters) ?? `default`
    }

    /// Like ``optional(_:field:maxCharacters:)`` for a field that must be present and not blank.
    static func required(_ value: String?, field: String, maxCharacters: Int) throws(APIError) -> String {
        guard let text = try optional(value, field: field, maxCharacters: maxCharacters) else {
            throw APIError.badRequest("request.missing_field", "\(field) is required (1...\(maxCharacters) characters)")
        }
        return text
    }

    /// A name a client picks for a group or a receiver: 1...64 printable ASCII characters without spaces.
    static func name(_ value: String?, field: String) throws(APIError) -> String? {
        guard let value else { return nil }
        guard (1...64).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError.badRequest("request.invalid_field", "\(field) must be 1...64 printable ASCII characters without spaces")
        }
        return value
    }
}
