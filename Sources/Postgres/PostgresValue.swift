import Foundation

/// One value bound to a statement parameter or written by COPY, with its PostgreSQL type.
///
/// Guarantees: a value is always sent as a separate parameter with an explicit type OID (or written through
/// COPY's escaping), never spliced into SQL text, so no value can change the meaning of a statement.
/// `.null` is sent untyped and takes the type the server infers from context.
public enum PostgresValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int16(Int16)
    case int32(Int32)
    case int64(Int64)
    case text(String)
    case bytea([UInt8])
    /// An instant, sent in UTC with microsecond precision (PostgreSQL's resolution).
    case timestamptz(Date)
    case uuid(UUID)
    /// JSON text, validated by the server.
    case jsonb(String)
    /// A decimal number as text ("12.34"), so no precision is lost in a binary floating point.
    case numeric(String)
    /// `bigint[]`; `nil` elements are SQL NULLs. For `unnest($1::bigint[], ...)` batch writes.
    case int64Array([Int64?])
    /// `text[]`; `nil` elements are SQL NULLs.
    case textArray([String?])
    /// `boolean[]`; `nil` elements are SQL NULLs.
    case boolArray([Bool?])

    /// The PostgreSQL type OID sent with the parameter; 0 lets the server infer it.
    var typeOID: UInt32 {
        switch self {
        case .null: return 0
        case .bool: return 16
        case .bytea: return 17
        case .int64: return 20
        case .int16: return 21
        case .int32: return 23
        case .text: return 25
        case .numeric: return 1700
        case .timestamptz: return 1184
        case .uuid: return 2950
        case .jsonb: return 3802
        case .boolArray: return 1000
        case .textArray: return 1009
        case .int64Array: return 1016
        }
    }

    /// The value in PostgreSQL's text input format, or nil for SQL NULL.
    var textRepresentation: String? {
        switch self {
        case .null: return nil
        case .bool(let value): return value ? "t" : "f"
        case .int16(let value): return String(value)
        case .int32(let value): return String(value)
        case .int64(let value): return String(value)
        case .text(let value), .jsonb(let value), .numeric(let value): return value
        case .bytea(let bytes): return PostgresTextFormat.byteaHex(bytes)
        case .timestamptz(let date): return PostgresTextFormat.timestamp(date)
        case .uuid(let uuid): return uuid.uuidString.lowercased()
        case .int64Array(let elements): return PostgresTextFormat.arrayLiteral(elements.map { $0.map(String.init) })
        case .textArray(let elements): return PostgresTextFormat.arrayLiteral(elements)
        case .boolArray(let elements): return PostgresTextFormat.arrayLiteral(elements.map { $0.map { $0 ? "t" : "f" } })
        }
    }
}
