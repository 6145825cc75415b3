/// A SQL statement and its bound values, written with string interpolation:
///
///     let query: PostgresQuery = "SELECT balance FROM \(identifier: table) WHERE id = \(id) AND currency = \(code)"
///
/// becomes `SELECT balance FROM "accounts" WHERE id = $1 AND currency = $2` with `id` and `code` bound.
///
/// Guarantees: an interpolated value is always a `$n` parameter, never SQL text, so a value cannot change the
/// statement. Identifiers (`\(identifier:)`) are double-quoted with embedded quotes doubled. The only ways to
/// put raw text into the SQL are `\(literalSQL:)`, which accepts compile-time constants only, and
/// `\(unsafeRaw:)`, for fragments the caller has built from trusted constants.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$1`, `$2`, ... placeholders.
    public var sql: String
    /// The values for `$1`, `$2`, ... in order.
    public var bindings: [PostgresValue]

    /// A query whose `sql` already uses `$n` placeholders matching `bindings`.
    public init(sql: String, bindings: [PostgresValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.init(sql: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(sql: stringInterpolation.sql, bindings: stringInterpolation.bindings)
    }

    /// The SQL and the number of bindings; values are left out because they may be secrets or personal data.
    public var description: String { "\(sql) [\(bindings.count) binding(s)]" }

    /// `"name"` with every `"` doubled: safe as a table, column or schema name whatever `name` contains.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql: String
        var bindings: [PostgresValue]

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings = []
            bindings.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds `value` as the next `$n` parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            bindings.append(value.postgresValue)
            sql += "$\(bindings.count)"
        }

        /// Binds `value` as the next `$n` parameter; nil is SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(value?.postgresValue ?? .null)
            sql += "$\(bindings.count)"
        }

        /// A quoted identifier (table, column, schema name), for names chosen at run time.
        public mutating func appendInterpolation(identifier name: String) {
            sql += PostgresQuery.quoteIdentifier(name)
        }

        /// A compile-time constant SQL fragment, pasted as is.
        public mutating func appendInterpolation(literalSQL fragment: StaticString) {
            sql += fragment.description
        }

        /// A SQL fragment pasted as is. Never pass text that came from outside the program.
        public mutating func appendInterpolation(unsafeRaw fragment: String) {
            sql += fragment
        }
    }
}
