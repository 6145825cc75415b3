import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LibPQConnection {
    /// PostgreSQL's protocol limit on parameters per statement.
    static let maximumParameterCount = 65_535

    /// Runs one statement with its bindings sent as typed text parameters and copies the whole result out of
    /// libpq. The statement is prepared under a name the first time this connection runs it (PQprepare) and
    /// executed by that name from then on (PQexecPrepared); with the cache off it goes as PQexecParams.
    ///
    /// A prepared statement whose result columns changed under it (DDL since it was prepared) fails with
    /// PostgreSQL's "cached plan must not change result type": it is dropped, and run once more, freshly
    /// prepared, when no transaction block was open (inside one the block is aborted, so the error is the
    /// caller's).
    func execute(_ query: PostgresQuery) throws(PostgresError) -> PostgresRows {
        let handle = try openHandle()
        deallocateEvicted(handle)
        do {
            return try consume(run(query, handle: handle), handle: handle)
        } catch where error.isStaleCachedPlan {
            statements.remove(PreparedStatementCache.Key(query), prepared: true)
            guard PQtransactionStatus(handle) == PQTRANS_IDLE else { throw error }
            deallocateEvicted(handle)
            return try consume(run(query, handle: handle), handle: handle)
        }
    }

    /// Sends `query` by its prepared name, preparing it first if this connection has not; returns the result
    /// to consume: the statement's, or the failed preparation's.
    private func run(_ query: PostgresQuery, handle: OpaquePointer) throws(PostgresError) -> OpaquePointer? {
        try Self.withParameters(of: query) { types, values in
            let count = Int32(types.count)
            let key = PreparedStatementCache.Key(query)
            switch statements.route(for: key) {
            case .named(let name):
                return PQexecPrepared(handle, name, count, values, nil, nil, 0)
            case .unnamed:
                return PQexecParams(handle, query.sql, count, types, values, nil, nil, 0)
            case .prepareAs(let name):
                let preparation = PQprepare(handle, name, query.sql, count, types)
                guard let preparation, PQresultStatus(preparation) == PGRES_COMMAND_OK else {
                    statements.remove(key, prepared: false)
                    return preparation
                }
                PQclear(preparation)
                return PQexecPrepared(handle, name, count, values, nil, nil, 0)
            }
        }
    }

    /// Deallocates on the server the statements the cache dropped. Only outside a transaction block and
    /// outside a pipeline, so that a failure here can never abort the caller's work; otherwise they wait for
    /// a later statement. One command per name, so that one that fails (a name whose preparation never
    /// reached the server) stops none of the others; a failure is ignored, the name is never used again.
    func deallocateEvicted(_ handle: OpaquePointer) {
        guard !statements.evicted.isEmpty, PQpipelineStatus(handle) == PQ_PIPELINE_OFF,
            PQtransactionStatus(handle) == PQTRANS_IDLE
        else { return }
        for name in statements.takeEvicted() {
            if let result = PQexec(handle, "DEALLOCATE \(PostgresQuery.quoteIdentifier(name))") { PQclear(result) }
        }
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
        // memchr over the string's own bytes: a batch's array parameters are megabytes, and a byte-by-byte
        // `contains` over them was 3% of the worker's CPU.
        let found: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
            return memchr(base, 0, bytes.count) != nil
        }
        if found ?? text.utf8.contains(0) {
            throw PostgresError(
                code: .encoding, message: "\(what) contains a zero byte, which PostgreSQL text cannot hold")
        }
    }
}
