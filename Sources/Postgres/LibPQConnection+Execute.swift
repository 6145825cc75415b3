import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LibPQConnection {
    /// PostgreSQL's protocol limit on parameters per statement.
    static let maximumParameterCount = 65_535

    /// Runs one statement with its bindings sent as typed text parameters (PQexecParams) and copies the whole
    /// result out of libpq.
    func execute(_ query: PostgresQuery) throws(PostgresError) -> PostgresRows {
        let handle = try openHandle()
        let result = try Self.withParameters(of: query) { types, values in
            PQexecParams(handle, query.sql, Int32(types.count), types, values, nil, nil, 0)
        }
        return try consume(result, handle: handle)
    }

    /// Checks `query`'s SQL and bindings and calls `body` with its parameter types and its values as C
    /// strings in PostgreSQL's text format (nil for NULL), valid only during the call. Lengths and formats may
    /// be NULL for all-text parameters, so `body` needs nothing else.
    static func withParameters<T>(
        of query: PostgresQuery, _ body: ([Oid], [UnsafePointer<CChar>?]) -> T
    ) throws(PostgresError) -> T {
        try checkNoZeroByte(query.sql, what: "the SQL text")
        guard query.bindings.count <= maximumParameterCount else {
            throw PostgresError(
                code: .encoding,
                message: "\(query.bindings.count) parameters exceed PostgreSQL's limit of \(maximumParameterCount); use array parameters or COPY")
        }
        var values: [UnsafeMutablePointer<CChar>?] = []
        values.reserveCapacity(query.bindings.count)
        defer { values.forEach { free($0) } }
        for (index, binding) in query.bindings.enumerated() {
            guard let text = binding.textRepresentation else {
                values.append(nil)
                continue
            }
            try checkNoZeroByte(text, what: "parameter $\(index + 1)")
            guard let copy = strdup(text) else { fatalError("out of memory copying a query parameter") }
            values.append(copy)
        }
        let types: [Oid] = query.bindings.map { Oid($0.typeOID) }
        return body(types, values.map { $0.map { UnsafePointer($0) } })
    }

    /// Runs a script of one or more statements with no parameters (PQexec), such as a migration.
    /// Stops at the first failing statement.
    func executeScript(_ sql: String) throws(PostgresError) -> PostgresRows {
        let handle = try openHandle()
        try Self.checkNoZeroByte(sql, what: "the SQL script")
        return try consume(PQexec(handle, sql), handle: handle)
    }

    /// Turns a result into rows or a `PostgresError`, and always frees it.
    func consume(_ result: OpaquePointer?, handle: OpaquePointer) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(
                code: PQstatus(handle) == CONNECTION_OK ? .protocolViolation : .connectionFailed,
                message: "no result from \(endpoint): \(String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines())")
        }
        defer { PQclear(result) }
        return try outcome(of: result, handle: handle).get()
    }

    /// What one result says: its rows, or the failure it reports. Does not free it.
    func outcome(of result: OpaquePointer, handle: OpaquePointer) -> Result<PostgresRows, PostgresError> {
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return .success(Self.copyRows(result))
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            return .failure(error(from: result, handle: handle))
        default:
            return .failure(
                PostgresError(
                    code: .protocolViolation,
                    message: "unexpected result status \(String(cString: PQresStatus(status))) from \(endpoint)"))
        }
    }

    /// Builds the error for a failed result from the server's diagnostic fields.
    func error(from result: OpaquePointer, handle: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let broken = PQstatus(handle) != CONNECTION_OK
        let fallback = String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        let primary = field("M") ?? (fallback.isEmpty ? "query failed" : fallback)
        return PostgresError(
            code: broken ? .connectionFailed : .queryFailed,
            message: broken ? "connection to \(endpoint) lost: \(primary)" : primary,
            sqlState: field("C"), detail: field("D"), hint: field("H"), constraintName: field("n"),
            schemaName: field("s"), tableName: field("t"), columnName: field("c"))
    }

    static func copyRows(_ result: OpaquePointer) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columnNames = [String]()
        columnNames.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columnNames.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var cells = [String?]()
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 {
                    cells.append(nil)
                } else {
                    let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, Int32(row), Int32(column)), count: length)
                    cells.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresRows(
            storage: .init(columnNames: columnNames, cells: cells, rowCount: rowCount), affectedRows: affected,
            commandTag: tag)
    }

    /// libpq takes C strings, and PostgreSQL text cannot hold a zero byte: refuse rather than truncate.
    static func checkNoZeroByte(_ text: String, what: String) throws(PostgresError) {
        if text.utf8.contains(0) {
            throw PostgresError(
                code: .encoding, message: "\(what) contains a zero byte, which PostgreSQL text cannot hold")
        }
    }
}
