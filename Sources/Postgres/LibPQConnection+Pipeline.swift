import CLibPQ

extension LibPQConnection {
    /// Runs `queries` in one libpq pipeline: each statement is encoded and sent while the server runs the ones
    /// before it, and one Sync follows the last. Returns one result per query, in order.
    ///
    /// On the first failure (a statement the server refuses, or a value that cannot be encoded) nothing after it
    /// runs: the server skips the rest of the pipeline. Inside a transaction block the statements before it
    /// have run and the block is aborted (its ROLLBACK is the caller's); outside one, the pipeline up to its Sync
    /// is one implicit transaction, which the failure undoes. The failure is thrown once every answer has been
    /// read, so the connection is back out of pipeline mode and usable. A broken link throws
    /// `.connectionFailed` and leaves the connection unusable.
    ///
    /// Answers are read only after everything has been sent, so this is for statements whose results are small
    /// (a command tag, a few rows): a statement returning many rows could fill the socket both ways.
    func executePipeline(_ queries: [PostgresQuery]) throws(PostgresError) -> [PostgresRows] {
        let handle = try openHandle()
        if queries.isEmpty { return [] }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(code: .protocolViolation, message: "\(endpoint) could not enter pipeline mode: \(libpqMessage(handle))")
        }
        var failure: PostgresError?
        var sent = 0
        for query in queries {
            do throws(PostgresError) {
                let accepted = try Self.withParameters(of: query) { types, values in
                    PQsendQueryParams(handle, query.sql, Int32(types.count), types, values, nil, nil, 0)
                }
                guard accepted == 1 else { throw brokenLink(handle, while: "sending a pipelined statement") }
                sent += 1
                // Out to the server now, so it runs this statement while the next one is encoded.
                guard PQflush(handle) == 0 else { throw brokenLink(handle, while: "sending a pipelined statement") }
            } catch {
                failure = error
                break
            }
        }
        if PQstatus(handle) != CONNECTION_OK { throw failure ?? brokenLink(handle, while: "sending a pipeline") }
        guard PQpipelineSync(handle) == 1 else { throw brokenLink(handle, while: "ending a pipeline") }

        var results: [PostgresRows] = []
        results.reserveCapacity(sent)
        for _ in 0..<sent {
            // A statement's results, then a null pointer.
            guard var result = PQgetResult(handle) else { throw brokenLink(handle, while: "reading a pipeline's results") }
            while true {
                switch PQresultStatus(result) {
                case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    results.append(Self.copyRows(result))
                case PGRES_PIPELINE_ABORTED:
                    break  // skipped because an earlier statement failed; that failure is the one reported
                case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
                    if failure == nil { failure = error(from: result, handle: handle) }
                default:
                    if failure == nil {
                        failure = PostgresError(
                            code: .protocolViolation,
                            message: "unexpected result status \(String(cString: PQresStatus(PQresultStatus(result)))) in a pipeline from \(endpoint)")
                    }
                }
                PQclear(result)
                guard let next = PQgetResult(handle) else { break }
                result = next
            }
            if PQstatus(handle) != CONNECTION_OK { throw brokenLink(handle, while: "reading a pipeline's results") }
        }
        guard let sync = PQgetResult(handle) else { throw brokenLink(handle, while: "reading a pipeline's end") }
        let syncStatus = PQresultStatus(sync)
        PQclear(sync)
        guard syncStatus == PGRES_PIPELINE_SYNC, PQexitPipelineMode(handle) == 1 else {
            throw PostgresError(
                code: .protocolViolation,
                message: "a pipeline to \(endpoint) did not end cleanly (\(String(cString: PQresStatus(syncStatus))))")
        }
        if let failure { throw failure }
        return results
    }

    private func libpqMessage(_ handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines()
    }

    private func brokenLink(_ handle: OpaquePointer, while doing: String) -> PostgresError {
        PostgresError(code: .connectionFailed, message: "connection to \(endpoint) lost while \(doing): \(libpqMessage(handle))")
    }
}
