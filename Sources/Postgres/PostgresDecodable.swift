import Foundation

/// A Swift type that can be read from a result column: `row.decode(Int64.self, column: "id")`.
///
/// Guarantees: decoding never guesses. SQL NULL decodes only into an `Optional`; a value that does not parse
/// exactly (overflow, wrong format) throws, and the row reports it as a `PostgresError` naming the column.
public protocol PostgresDecodable {
    /// Decodes from PostgreSQL's text output format; `text` is nil for SQL NULL.
    static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Self
}

/// Why a value could not be decoded; `PostgresRow` wraps it in a `PostgresError` with the column's name.
public struct PostgresDecodingFailure: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }

    static let unexpectedNull = PostgresDecodingFailure("value is NULL but the requested type is not optional")
}

/// An element type whose arrays can be decoded: bytea into `[UInt8]`, one-dimensional arrays into
/// `[Int64]`, `[String]`, `[Bool]`, ... and with NULL elements into `[Int64?]`, `[String?]`, ...
public protocol PostgresArrayElementDecodable {
    static func decodePostgresArray(_ text: String) throws(PostgresDecodingFailure) -> [Self]
}

extension PostgresArrayElementDecodable where Self: PostgresDecodable {
    public static func decodePostgresArray(_ text: String) throws(PostgresDecodingFailure) -> [Self] {
        var result = [Self]()
        for element in try PostgresTextFormat.parseArrayLiteral(text) {
            result.append(try Self.decode(postgresText: element))
        }
        return result
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElementDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> [Element] {
        guard let text else { throw .unexpectedNull }
        return try Element.decodePostgresArray(text)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Wrapped? {
        guard let text else { return nil }
        return try Wrapped.decode(postgresText: text)
    }
}

extension Optional: PostgresArrayElementDecodable where Wrapped: PostgresDecodable & PostgresArrayElementDecodable {}

extension UInt8: PostgresArrayElementDecodable {
    public static func decodePostgresArray(_ text: String) throws(PostgresDecodingFailure) -> [UInt8] {
        try PostgresTextFormat.parseByteaHex(text)
    }
}

private func decodeInteger<T: FixedWidthInteger>(_ text: String?) throws(PostgresDecodingFailure) -> T {
    guard let text else { throw .unexpectedNull }
    guard let value = T(text) else { throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a \(T.self)") }
    return value
}

extension Int16: PostgresDecodable, PostgresArrayElementDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Int16 {
        try decodeInteger(text)
    }
}

extension Int32: PostgresDecodable, PostgresArrayElementDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Int32 {
        try decodeInteger(text)
    }
}

extension Int64: PostgresDecodable, PostgresArrayElementDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Int64 {
        try decodeInteger(text)
    }
}

extension Int: PostgresDecodable, PostgresArrayElementDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Int {
        try decodeInteger(text)
    }
}

extension String: PostgresDecodable, PostgresArrayElementDecodable {
    /// Any column decodes into its text form (numeric, jsonb, enum, ...).
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> String {
        guard let text else { throw .unexpectedNull }
        return text
    }
}

extension Bool: PostgresDecodable, PostgresArrayElementDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Bool {
        switch text {
        case nil: throw .unexpectedNull
        case "t": return true
        case "f": return false
        case let other?: throw PostgresDecodingFailure("\"\(other.prefix(40))\" is not a boolean")
        }
    }
}

extension Date: PostgresDecodable, PostgresArrayElementDecodable {
    /// Decodes timestamptz, timestamp (taken as UTC) and date (midnight UTC).
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Date {
        guard let text else { throw .unexpectedNull }
        return try PostgresTextFormat.parseTimestamp(text)
    }
}

extension UUID: PostgresDecodable, PostgresArrayElementDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> UUID {
        guard let text else { throw .unexpectedNull }
        guard let uuid = UUID(uuidString: text) else {
            throw PostgresDecodingFailure("\"\(text.prefix(40))\" is not a UUID")
        }
        return uuid
    }
}
