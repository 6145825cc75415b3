/// Why bytes are not a valid ``MoneyEvent``, or why a payload could not be built.
///
/// Guarantees: `code` is one of
/// - `event.malformed_json`: not one strict RFC 8259 JSON object (or larger than the size limit);
/// - `event.unknown_type`: `type` names no ``EventType``;
/// - `event.unsupported_version`: `version` is an integer other than 1;
/// - `event.missing_field`: a required field is absent or `null`;
/// - `event.invalid_amount`: an amount that is not a positive integer token within `Int64` (a float such as
///   `12.5`, `12.0` or `1e3`, a negative, zero, a string, an overflow);
/// - `event.invalid_account`: not a `kind:name` account, or an account of a kind the field does not allow;
/// - `event.invalid_field`: any other field of the wrong JSON type or outside its format (identifiers,
///   channel, timestamp, reason text), or a field this version does not define;
/// - `event.key_mismatch`: `idempotencyKey` differs from the payload's canonical key.
/// `message` names the field and is for humans.
public struct EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func malformedJSON(_ message: String) -> Self { .init(code: "event.malformed_json", message: message) }
    static func unknownType(_ message: String) -> Self { .init(code: "event.unknown_type", message: message) }
    static func unsupportedVersion(_ message: String) -> Self {
        .init(code: "event.unsupported_version", message: message)
    }
    static func missingField(_ field: String) -> Self {
        .init(code: "event.missing_field", message: "missing field \(field)")
    }
    static func invalidAmount(_ field: String, _ why: String) -> Self {
        .init(code: "event.invalid_amount", message: "\(field): \(why)")
    }
    static func invalidAccount(_ field: String, _ why: String) -> Self {
        .init(code: "event.invalid_account", message: "\(field): \(why)")
    }
    static func invalidField(_ field: String, _ why: String) -> Self {
        .init(code: "event.invalid_field", message: "\(field): \(why)")
    }
    static func keyMismatch(_ message: String) -> Self { .init(code: "event.key_mismatch", message: message) }
}
