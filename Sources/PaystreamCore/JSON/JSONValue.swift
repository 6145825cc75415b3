/// A parsed JSON document that keeps every number as its raw token, so callers can tell `1000` from `1e3`
/// and `12` from `12.0` (money must only ever come from the first form).
///
/// Guarantees: object keys are unique (the parser refuses duplicates); strings are valid Unicode.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written, already checked against the JSON number grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// An integer token (`-?(0|[1-9][0-9]*)`, not `-0`) converted to `T`, or nil for any other token,
    /// including floats, exponents and values outside `T`.
    static func integer<T: FixedWidthInteger>(fromToken token: String, as type: T.Type = T.self) -> T? {
        let bytes = Array(token.utf8)
        var index = 0
        if bytes.first == UInt8(ascii: "-") { index = 1 }
        guard index < bytes.count else { return nil }
        let digits = bytes[index...]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        if digits.first == UInt8(ascii: "0") && (digits.count > 1 || index == 1) { return nil }
        return T(token, radix: 10)
    }

    /// A short name of the value's JSON type, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
