import CLibPQ

extension LibPQConnection {
    /// Bytes buffered before each PQputCopyData call.
    static let copyChunkBytes = 64 * 1024

    /// Runs `copySQL` (a `COPY ... FROM STDIN` in text format) and streams `rows` to it.
    /// Returns the number of rows the server reports as copied. A value that cannot be written aborts the COPY,
    /// so either every row is copied or none is.
    func copyIn(_ copySQL: String, columnCount: Int, rows: [[PostgresValue]]) throws(PostgresError) -> Int {
        for (index, row) in rows.enumerated() where row.count != columnCount {
            throw PostgresError(
                code: .encoding, message: "COPY row \(index) has \(row.count) values for \(columnCount) columns")
        }
        let handle = try openHandle()
        guard let start = PQexec(handle, copySQL) else {
            throw PostgresError(code: .connectionFailed, message: "no result from \(endpoint) for COPY")
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try consume(start, handle: handle)  // throws the server's error
            throw PostgresError(code: .protocolViolation, message: "COPY did not enter COPY IN state")
        }
        PQclear(start)

        var failure: PostgresError?
        var buffer = [UInt8]()
        buffer.reserveCapacity(Self.copyChunkBytes + 4096)
        func flush() -> Bool {
            defer { buffer.removeAll(keepingCapacity: true) }
            let sent = buffer.withUnsafeBytes { bytes in
                PQputCopyData(handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
            }
            return sent == 1
        }
        rows: for (rowIndex, row) in rows.enumerated() {
            for (columnIndex, value) in row.enumerated() {
                if columnIndex > 0 { buffer.append(UInt8(ascii: "\t")) }
                guard let text = value.textRepresentation else {
                    buffer.append(UInt8(ascii: "\\"))
                    buffer.append(UInt8(ascii: "N"))
                    continue
                }
                for byte in text.utf8 {
                    switch byte {
                    case 0:
                        failure = PostgresError(
                            code: .encoding,
                            message: "COPY row \(rowIndex) column \(columnIndex) contains a zero byte, which PostgreSQL text cannot hold")
                        break rows
                    case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                    case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                    case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                    case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                    default: buffer.append(byte)
                    }
                }
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= Self.copyChunkBytes, !flush() { break rows }
        }
        if failure == nil, !buffer.isEmpty { _ = flush() }

        let ended: Int32
        if let failure {
            ended = PQputCopyEnd(handle, "aborted by client: \(failure.message)")
        } else {
            ended = PQputCopyEnd(handle, nil)
        }
        guard ended == 1 else {
            throw failure ?? PostgresError(
                code: .connectionFailed,
                message: "COPY to \(endpoint) failed: \(String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines())")
        }
        var copied = 0
        var serverError: PostgresError?
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK {
                copied = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
            } else if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
                PQclear(result)
                throw failure ?? PostgresError(code: .protocolViolation, message: "COPY did not end on \(endpoint)")
            } else if serverError == nil {
                serverError = error(from: result, handle: handle)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        if let serverError { throw serverError }
        return copied
    }
}
