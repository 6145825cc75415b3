import CLibPQ

/// Where a connection's open pipeline stands: the answers the server owes, in order, and the first failure on
/// this side (a value that could not be encoded), after which nothing more is sent.
struct PipelineProgress {
    /// One answer: a statement's result, or the result of preparing a statement first met in this pipeline.
    enum Reply {
        case statement(PreparedStatementCache.Key)
        case preparation(PreparedStatementCache.Key)
    }

    var replies: [Reply] = []
    var failure: PostgresError?
}

extension LibPQConnection {
    // A pipeline is three calls on the connection's thread: begin, one send per statement, finish. Between them
    // the caller may do other work (build the next statement) while the server runs what was sent.
    //
    // On the first failure (a statement the server refuses, or a value that cannot be encoded) nothing after it
    // runs: the server skips the rest up to the Sync, and later sends are not sent. Inside a transaction block
    // the statements before it have run and the block is aborted (its ROLLBACK is the caller's); outside one,
    // the pipeline up to its Sync is one implicit transaction, which the failure undoes. `finishPipeline`
    // reads every answer before it throws, so the connection is back out of pipeline mode and usable. A broken
    // link throws `.connectionFailed` and leaves the connection unusable.
    //
    // Answers are taken at the end, but results of any size are safe: when the socket is full while libpq
    // sends, it reads what the server answered meanwhile into its buffer, so neither side waits on the other
    // (PipelineModeTests sends 16 MB after a 32 MB result).

    func beginPipeline() throws(PostgresError) -> PipelineProgress {
        let handle = try openHandle()
        deallocateEvicted(handle)
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(code: .protocolViolation, message: "\(endpoint) could not enter pipeline mode: \(libpqMessage(handle))")
        }
        return PipelineProgress()
    }

    /// Encodes and sends one statement, and flushes it to the server so it starts at once. A statement this
    /// connection has not prepared yet is prepared in the same pipeline, just before it. Sends nothing after
    /// a failure; a broken link throws.
    func sendPipelined(_ query: PostgresQuery, _ progress: inout PipelineProgress) throws(PostgresError) {
        guard progress.failure == nil else { return }
        let handle = try openHandle()
        do throws(PostgresError) {
            let key = PreparedStatementCache.Key(query)
            let accepted = try Self.withParameters(of: query) { types, values in
                let count = Int32(types.count)
                switch statements.route(for: key) {
                case .named(let name):
                    return PQsendQueryPrepared(handle, name, count, values, nil, nil, 0)
                case .unnamed:
                    return PQsendQueryParams(handle, query.sql, count, types, values, nil, nil, 0)
                case .prepareAs(let name):
                    guard PQsendPrepare(handle, name, query.sql, count, types) == 1 else {
                        statements.remove(key, prepared: false)
                        return 0
                    }
                    progress.replies.append(.preparation(key))
                    return PQsendQueryPrepared(handle, name, count, values, nil, nil, 0)
                }
            }
            guard accepted == 1 else { throw brokenLink(handle, while: "sending a pipelined statement") }
            progress.replies.append(.statement(key))
            guard PQflush(handle) == 0 else { throw brokenLink(handle, while: "sending a pipelined statement") }
        } catch {
            guard error.code == .encoding else { throw error }
            progress.failure = error
        }
    }

    /// Ends the pipeline with a Sync, reads one result per statement sent, and leaves pipeline mode; throws the
    /// first failure, if any, once everything has been read.
    func finishPipeline(_ progress: PipelineProgress) throws(PostgresError) -> [PostgresRows] {
        let handle = try openHandle()
        guard PQpipelineSync(handle) == 1 else { throw brokenLink(handle, while: "ending a pipeline") }
        var failure = progress.failure
        var results: [PostgresRows] = []
        results.reserveCapacity(progress.replies.count)
        for reply in progress.replies {
            // A statement's results, then a null pointer.
            guard var result = PQgetResult(handle) else { throw brokenLink(handle, while: "reading a pipeline's results") }
            while true {
                let status = PQresultStatus(result)
                switch reply {
                case .preparation(let key):
                    // Not prepared: it failed, or was skipped after an earlier failure.
                    if status != PGRES_COMMAND_OK { statements.remove(key, prepared: false) }
                    if status != PGRES_COMMAND_OK, status != PGRES_PIPELINE_ABORTED,
                        case .failure(let error) = outcome(of: result, handle: handle), failure == nil
                    {
                        failure = error
                    }
                case .statement(let key):
                    // PGRES_PIPELINE_ABORTED: skipped because an earlier statement failed, which is the one
                    // reported.
                    guard status != PGRES_PIPELINE_ABORTED else { break }
                    switch outcome(of: result, handle: handle) {
                    case .success(let rows): results.append(rows)
                    case .failure(let error):
                        if error.isStaleCachedPlan { statements.remove(key, prepared: true) }
                        if failure == nil { failure = error }
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
