import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The only type that calls hiredis: it owns one blocking `redisContext*` and turns replies into `RedisValue`
/// and failures into `RedisError`.
///
/// Not thread-safe and deliberately not `Sendable`: `RedisConnection` touches it only from its own serial
/// `BlockingExecutor`. Every call blocks the calling thread for at most the configured timeouts.
///
/// Once hiredis reports an I/O, timeout or protocol failure it sets `ctx->err` and the context is unusable:
/// `failure` records the first such error and every later call throws it again without touching the socket.
final class HiredisContext {
    private var context: UnsafeMutablePointer<redisContext>?
    private var commandTimeoutMilliseconds = 0
    /// The connection-level failure that made this context unusable, if any.
    private(set) var failure: RedisError?

    init() {}

    deinit {
        close()
    }

    var isOpen: Bool { context != nil }

    /// Opens a blocking TCP connection and sets the per-read/write timeout.
    func open(
        host: String, port: Int, connectTimeoutMilliseconds: Int, commandTimeoutMilliseconds: Int
    ) throws {
        precondition(context == nil, "HiredisContext.open called twice")
        let connectTimeout = HiredisContext.makeTimeval(milliseconds: connectTimeoutMilliseconds)
        guard let ctx = redisConnectWithTimeout(host, Int32(port), connectTimeout) else {
            throw RedisError(code: .connectionFailed, message: "hiredis could not allocate a context")
        }
        if ctx.pointee.err != 0 {
            let reason = HiredisContext.errorString(of: ctx)
            redisFree(ctx)
            throw RedisError(
                code: .connectionFailed, message: "cannot connect to \(host):\(port): \(reason)")
        }
        if redisSetTimeout(ctx, HiredisContext.makeTimeval(milliseconds: commandTimeoutMilliseconds))
            != REDIS_OK
        {
            let reason = HiredisContext.errorString(of: ctx)
            redisFree(ctx)
            throw RedisError(
                code: .connectionFailed,
                message: "cannot set the command timeout on \(host):\(port): \(reason)")
        }
        self.context = ctx
        self.commandTimeoutMilliseconds = commandTimeoutMilliseconds
    }

    /// Opens the connection as `configuration` says, then authenticates (`AUTH`), selects the database
    /// (`SELECT`) and names the connection (`CLIENT SETNAME`).
    /// - Throws: `.connectionFailed` (the context is closed again) if any step fails.
    func open(configuration: RedisConfiguration) throws {
        try open(
            host: configuration.host, port: configuration.port,
            connectTimeoutMilliseconds: configuration.connectTimeoutMilliseconds,
            commandTimeoutMilliseconds: configuration.commandTimeoutMilliseconds)
        do {
            if let password = configuration.password {
                let credentials = [configuration.username, password].compactMap { $0 }
                _ = try command((["AUTH"] + credentials).map { Array($0.utf8) })
            }
            if configuration.database != 0 {
                _ = try command([Array("SELECT".utf8), Array(String(configuration.database).utf8)])
            }
            if let name = configuration.clientName {
                _ = try command(["CLIENT", "SETNAME", name].map { Array($0.utf8) })
            }
        } catch let error as RedisError {
            close()
            throw RedisError(
                code: .connectionFailed,
                message: "handshake with \(configuration.host):\(configuration.port) failed: \(error.message)",
                isRetriable: error.isRetriable)
        }
    }

    /// Frees the context (closing the socket). Safe to call more than once.
    func close() {
        if let ctx = context {
            redisFree(ctx)
            context = nil
        }
    }

    /// Sends one command and waits for its reply.
    /// - Throws: `.server` for an error reply (the context stays usable); a connection-level error otherwise.
    func command(_ arguments: [[UInt8]]) throws -> RedisValue {
        let ctx = try usableContext()
        let (raw, savedErrno) = SIGPIPEGuard.run {
            let raw = HiredisContext.withArgv(arguments) { argc, argv, lengths in
                redisCommandArgv(ctx, argc, argv, lengths)
            }
            return (raw, errno)
        }
        guard let raw else { throw recordFailure(of: ctx, errno: savedErrno) }
        defer { freeReplyObject(raw) }
        return try HiredisContext.topLevelValue(raw.assumingMemoryBound(to: redisReply.self)).get()
    }

    /// Sends all commands in one write, then reads one reply per command, in order.
    ///
    /// An error reply fails only its own command. A connection-level failure fails the command whose reply
    /// was being read and every later one with the same error (their outcome is unknown).
    func pipeline(_ commands: [[[UInt8]]]) throws -> [Result<RedisValue, RedisError>] {
        let ctx = try usableContext()
        for command in commands {
            let status = HiredisContext.withArgv(command) { argc, argv, lengths in
                redisAppendCommandArgv(ctx, argc, argv, lengths)
            }
            // Appending only fills hiredis's output buffer; it fails on out-of-memory alone. Part of the batch
            // may sit in the buffer, so the context must not be reused.
            if status != REDIS_OK { throw recordFailure(of: ctx, errno: errno) }
        }
        var results: [Result<RedisValue, RedisError>] = []
        results.reserveCapacity(commands.count)
        while results.count < commands.count {
            var raw: UnsafeMutableRawPointer? = nil
            // The first call writes the whole batch; later ones only read.
            let (status, savedErrno) = SIGPIPEGuard.run { (redisGetReply(ctx, &raw), errno) }
            guard status == REDIS_OK, let raw else {
                if let raw { freeReplyObject(raw) }
                let error = recordFailure(of: ctx, errno: savedErrno)
                results.append(
                    contentsOf: repeatElement(.failure(error), count: commands.count - results.count))
                break
            }
            results.append(HiredisContext.topLevelValue(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        assert(results.count == commands.count, "one result per pipelined command")
        return results
    }

    /// True when the socket of an idle connection has something to read — EOF, a reset, or unsolicited
    /// data — so the connection cannot be trusted with the next command. Does not block.
    func idleSocketHasInput() -> Bool {
        guard let ctx = context, failure == nil else { return true }
        var descriptor = pollfd(fd: ctx.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    // MARK: - Internals

    private func usableContext() throws -> UnsafeMutablePointer<redisContext> {
        if let failure {
            throw RedisError(
                code: failure.code,
                message: "connection unusable after an earlier failure: \(failure.message)",
                isRetriable: failure.isRetriable)
        }
        guard let ctx = context else {
            throw RedisError(code: .closed, message: "the connection is closed")
        }
        return ctx
    }

    /// Turns hiredis's error state into a `RedisError` and remembers it: the context is unusable from now on.
    private func recordFailure(of ctx: UnsafeMutablePointer<redisContext>, errno savedErrno: Int32)
        -> RedisError
    {
        let reason = HiredisContext.errorString(of: ctx)
        let error: RedisError
        switch ctx.pointee.err {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK:
            // A blocking socket whose SO_RCVTIMEO/SO_SNDTIMEO expired reports EAGAIN.
            error = RedisError(
                code: .timeout, message: "no reply within \(commandTimeoutMilliseconds) ms (\(reason))")
        case REDIS_ERR_IO, REDIS_ERR_EOF:
            error = RedisError(code: .io, message: reason)
        case REDIS_ERR_PROTOCOL:
            error = RedisError(code: .protocolViolation, message: reason)
        case REDIS_ERR_OOM:
            error = RedisError(
                code: .io, message: "out of memory in hiredis: \(reason)", isRetriable: false)
        default:
            error = RedisError(
                code: .io, message: reason.isEmpty ? "hiredis failed without a reason" : reason)
        }
        if failure == nil { failure = error }
        return error
    }

    private static func errorString(of ctx: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: ctx.pointee.errstr) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func makeTimeval(milliseconds: Int) -> timeval {
        timeval(tv_sec: .init(milliseconds / 1000), tv_usec: .init((milliseconds % 1000) * 1000))
    }

    /// Lays the arguments out in one buffer and calls `body` with argc, argv and argvlen as hiredis wants them.
    private static func withArgv<R>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        precondition(
            !arguments.isEmpty && arguments.count <= Int(Int32.max), "argument count out of range")
        let totalBytes = arguments.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(totalBytes, 1), alignment: 1)
        defer { storage.deallocate() }
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        pointers.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        var offset = 0
        for argument in arguments {
            argument.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress, bytes.count > 0 {
                    (storage + offset).copyMemory(from: base, byteCount: bytes.count)
                }
            }
            pointers.append(UnsafePointer((storage + offset).assumingMemoryBound(to: CChar.self)))
            lengths.append(argument.count)
            offset += argument.count
        }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { argvlen in
                body(Int32(arguments.count), argv.baseAddress!, argvlen.baseAddress!)
            }
        }
    }

    /// A top-level reply: an error reply becomes a `.server` failure, anything else a value.
    private static func topLevelValue(_ reply: UnsafeMutablePointer<redisReply>) -> Result<
        RedisValue, RedisError
    > {
        if reply.pointee.type == REDIS_REPLY_ERROR {
            return .failure(RedisError(code: .server, message: text(of: reply)))
        }
        return .success(value(of: reply))
    }

    /// Copies a reply (recursively) out of hiredis's memory.
    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        switch reply.pointee.type {
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(of: reply))
        case REDIS_REPLY_STATUS:
            return .status(text(of: reply))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(reply.pointee.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ERROR:
            return .error(text(of: reply))
        case REDIS_REPLY_ARRAY:
            let count = reply.pointee.elements
            var elements: [RedisValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                guard let element = reply.pointee.element[index] else {
                    elements.append(.null)
                    continue
                }
                elements.append(value(of: element))
            }
            return .array(elements)
        default:
            // hiredis 0.14 produces only the six RESP2 types above.
            return .error("unknown hiredis reply type \(reply.pointee.type)")
        }
    }

    private static func bytes(of reply: UnsafeMutablePointer<redisReply>) -> [UInt8] {
        guard let start = reply.pointee.str, reply.pointee.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: reply.pointee.len))
    }

    private static func text(of reply: UnsafeMutablePointer<redisReply>) -> String {
        String(decoding: bytes(of: reply), as: UTF8.self)
    }
}
