/// The complete result of one statement, copied out of libpq: column names, rows of text values, and the
/// number of rows the statement affected.
///
/// Guarantees: immutable and `Sendable`; holds no C memory, so it outlives the connection that produced it.
public struct PostgresRows: RandomAccessCollection, Sendable {
    final class Storage: Sendable {
        let columnNames: [String]
        let columnIndexByName: [String: Int]
        /// Row-major cells; nil is SQL NULL.
        let cells: [String?]
        let rowCount: Int

        init(columnNames: [String], cells: [String?], rowCount: Int) {
            precondition(cells.count == columnNames.count * rowCount, "cell count must be rows x columns")
            self.columnNames = columnNames
            var indexByName = [String: Int]()
            for (index, name) in columnNames.enumerated() where indexByName[name] == nil {
                indexByName[name] = index
            }
            self.columnIndexByName = indexByName
            self.cells = cells
            self.rowCount = rowCount
        }
    }

    let storage: Storage
    /// Rows inserted, updated, deleted, copied or selected, as the server's command tag reports it
    /// (PQcmdTuples); 0 for statements without a count.
    public let affectedRows: Int
    /// The server's command tag, such as "INSERT 0 3" or "COMMIT".
    public let commandTag: String

    init(storage: Storage, affectedRows: Int, commandTag: String) {
        self.storage = storage
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    public var columnNames: [String] { storage.columnNames }
    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }
    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < storage.rowCount, "row index out of range")
        return PostgresRow(storage: storage, rowIndex: position)
    }
}

/// One row of a `PostgresRows`.
public struct PostgresRow: Sendable {
    let storage: PostgresRows.Storage
    /// Zero-based position of the row in its result.
    public let rowIndex: Int

    public var columnNames: [String] { storage.columnNames }

    /// The raw text of a column; nil for SQL NULL. Throws if there is no such column.
    public func text(column: String) throws(PostgresError) -> String? {
        storage.cells[rowIndex * storage.columnNames.count + (try index(of: column))]
    }

    public func isNull(column: String) throws(PostgresError) -> Bool {
        try text(column: column) == nil
    }

    /// Decodes the named column (the first one, if several share the name).
    public func decode<T: PostgresDecodable>(_ type: T.Type, column: String) throws(PostgresError) -> T {
        try decode(type, at: try index(of: column))
    }

    /// Decodes the column at zero-based `index`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int) throws(PostgresError) -> T {
        let columns = storage.columnNames
        guard index >= 0 && index < columns.count else {
            throw PostgresError(
                code: .decoding, message: "column index \(index) out of range: the result has \(columns.count) column(s)")
        }
        do {
            return try T.decode(postgresText: storage.cells[rowIndex * columns.count + index])
        } catch {
            throw PostgresError(
                code: .decoding,
                message: "column \"\(columns[index])\" (index \(index), row \(rowIndex)): cannot decode as \(T.self): \(error.reason)",
                columnName: columns[index])
        }
    }

    private func index(of column: String) throws(PostgresError) -> Int {
        guard let index = storage.columnIndexByName[column] else {
            throw PostgresError(
                code: .decoding,
                message: "no column \"\(column)\" in the result; columns are \(storage.columnNames)", columnName: column)
        }
        return index
    }
}
