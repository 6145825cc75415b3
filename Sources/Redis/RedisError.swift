/// A failure of a Redis operation: what went wrong (`code`), the details (`message`), whether the same
/// operation may succeed if tried again (`isRetriable`), and the place in this module that threw it.
///
/// Guarantees:
/// - A reply the server sent as an error (`-ERR ...`, `-WRONGTYPE ...`, `-NOSCRIPT ...`) has code `.server`
///   and the server's message verbatim; the connection stays usable.
/// - `.timeout` and `.io` mean the connection failed while a command was written or its reply awaited: the
///   command **may or may not have been applied**. `isRetriable` is true for them, but a non-idempotent
///   command (INCRBY, LPUSH, a money-moving script) must only be retried by a caller that can tell whether it
///   was applied. This module never retries a command on its own (see `RedisClient`).
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The TCP connection, AUTH, SELECT or CLIENT SETNAME failed; nothing was sent for the caller.
        case connectionFailed
        /// No reply (or no room to write) within `commandTimeoutMilliseconds`; the connection is dropped.
        case timeout
        /// The socket failed or the server closed it; the connection is dropped.
        case io
        /// The server answered with an error reply.
        case server
        /// The server sent something this client cannot interpret; the connection is dropped.
        case protocolViolation
        /// No pooled connection became free within `acquireTimeoutMilliseconds`, or too many callers wait.
        case poolAcquireTimeout
        /// The connection or client was closed or shut down.
        case closed
        /// The caller passed something that cannot be sent (empty command, oversized pipeline, bad URL).
        case invalidArgument
    }

    public let code: Code
    public let message: String
    /// True when the same operation may succeed later (see the type's documentation for writes).
    public let isRetriable: Bool
    /// The source file (`#fileID`) where the error was thrown.
    public let file: String
    /// The line where the error was thrown.
    public let line: UInt

    public init(
        code: Code, message: String, isRetriable: Bool? = nil, file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? RedisError.defaultRetriable(code: code, message: message)
        self.file = file
        self.line = line
    }

    /// For `.server` errors, the first word of the message ("WRONGTYPE", "NOSCRIPT", "ERR"); nil otherwise.
    public var serverErrorPrefix: Substring? {
        guard code == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }

    public var description: String {
        "RedisError.\(code.rawValue)\(isRetriable ? " (retriable)" : ""): \(message) [\(file):\(line)]"
    }

    /// Server errors that only say "not now": the server is loading, busy with a script, or failing over.
    private static let retriableServerPrefixes: Set<Substring> = [
        "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN",
    ]

    private static func defaultRetriable(code: Code, message: String) -> Bool {
        switch code {
        case .connectionFailed, .timeout, .io, .poolAcquireTimeout:
            return true
        case .closed, .protocolViolation, .invalidArgument:
            return false
        case .server:
            guard let prefix = message.split(separator: " ", maxSplits: 1).first else { return false }
            return retriableServerPrefixes.contains(prefix)
        }
    }
}
