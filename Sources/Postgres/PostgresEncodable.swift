import Foundation

/// A Swift value that can be bound as a statement parameter: `"... WHERE id = \(id)"` in a `PostgresQuery`.
///
/// Guarantees: conforming types produce a typed `PostgresValue`; the value travels as a parameter, never as SQL.
public protocol PostgresEncodable: Sendable {
    var postgresValue: PostgresValue { get }
}

/// An element type whose Swift arrays bind as one parameter: `[UInt8]` as bytea, `[Int64]`/`[Int]` as
/// bigint[], `[String]` as text[], `[Bool]` as boolean[], and their optional-element forms with NULLs.
public protocol PostgresArrayElement: Sendable {
    static func postgresArrayValue(_ elements: [Self]) -> PostgresValue
}

/// An element type whose arrays may hold NULLs (`[Int64?]`, `[String?]`, `[Bool?]`).
public protocol PostgresNullableArrayElement: Sendable {
    static func postgresNullableArrayValue(_ elements: [Self?]) -> PostgresValue
}

extension PostgresValue: PostgresEncodable {
    public var postgresValue: PostgresValue { self }
}

extension Bool: PostgresEncodable, PostgresArrayElement, PostgresNullableArrayElement {
    public var postgresValue: PostgresValue { .bool(self) }
    public static func postgresArrayValue(_ elements: [Bool]) -> PostgresValue { .boolArray(elements) }
    public static func postgresNullableArrayValue(_ elements: [Bool?]) -> PostgresValue { .boolArray(elements) }
}

extension Int16: PostgresEncodable {
    public var postgresValue: PostgresValue { .int16(self) }
}

extension Int32: PostgresEncodable {
    public var postgresValue: PostgresValue { .int32(self) }
}

extension Int64: PostgresEncodable, PostgresArrayElement, PostgresNullableArrayElement {
    public var postgresValue: PostgresValue { .int64(self) }
    public static func postgresArrayValue(_ elements: [Int64]) -> PostgresValue { .int64Array(elements) }
    public static func postgresNullableArrayValue(_ elements: [Int64?]) -> PostgresValue { .int64Array(elements) }
}

extension Int: PostgresEncodable, PostgresArrayElement, PostgresNullableArrayElement {
    public var postgresValue: PostgresValue { .int64(Int64(self)) }
    public static func postgresArrayValue(_ elements: [Int]) -> PostgresValue {
        .int64Array(elements.map { Int64($0) })
    }
    public static func postgresNullableArrayValue(_ elements: [Int?]) -> PostgresValue {
        .int64Array(elements.map { $0.map { Int64($0) } })
    }
}

extension String: PostgresEncodable, PostgresArrayElement, PostgresNullableArrayElement {
    public var postgresValue: PostgresValue { .text(self) }
    public static func postgresArrayValue(_ elements: [String]) -> PostgresValue { .textArray(elements) }
    public static func postgresNullableArrayValue(_ elements: [String?]) -> PostgresValue { .textArray(elements) }
}

extension Substring: PostgresEncodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
}

extension Date: PostgresEncodable {
    public var postgresValue: PostgresValue { .timestamptz(self) }
}

extension UUID: PostgresEncodable {
    public var postgresValue: PostgresValue { .uuid(self) }
}

/// `[UInt8]` binds as bytea.
extension UInt8: PostgresArrayElement {
    public static func postgresArrayValue(_ elements: [UInt8]) -> PostgresValue { .bytea(elements) }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public var postgresValue: PostgresValue { Element.postgresArrayValue(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresValue: PostgresValue { self?.postgresValue ?? .null }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresNullableArrayElement {
    public static func postgresArrayValue(_ elements: [Wrapped?]) -> PostgresValue {
        Wrapped.postgresNullableArrayValue(elements)
    }
}
