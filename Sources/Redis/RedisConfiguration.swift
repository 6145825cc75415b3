#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where a Redis server is and how long, and how many connections, the client may use.
///
/// Guarantees: every wait is bounded — connecting (`connectTimeoutMilliseconds`), each socket read or write of
/// a command (`commandTimeoutMilliseconds`) and waiting for a pooled connection
/// (`acquireTimeoutMilliseconds`); the pool never opens more than `poolSize` connections; `description`
/// never shows the password.
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// An IP address or host name. hiredis 0.14 gives up after the first address a name resolves to that
    /// refuses the connection, so prefer an IP address or a name with a single address.
    public var host: String
    public var port: Int
    /// Sent as `AUTH username password` (Redis 6 ACL) when both are set, `AUTH password` when only the
    /// password is.
    public var username: String?
    public var password: String?
    /// Sent as `SELECT database` on connect when not 0.
    public var database: Int
    /// Bound on establishing the TCP connection.
    public var connectTimeoutMilliseconds: Int
    /// Bound on each blocking read or write of a command (SO_RCVTIMEO / SO_SNDTIMEO via redisSetTimeout).
    /// A reply that keeps trickling in can take longer in total; a silent server cannot.
    public var commandTimeoutMilliseconds: Int
    /// The most connections a `RedisClient` opens at once.
    public var poolSize: Int
    /// How long a caller waits for a pooled connection when all `poolSize` are in use.
    public var acquireTimeoutMilliseconds: Int
    /// The most callers that may wait for a pooled connection; more fail at once with `.poolAcquireTimeout`.
    public var maximumWaitingCallers: Int
    /// The most commands one `pipeline` call may carry.
    public var maximumPipelineLength: Int
    /// Set with `CLIENT SETNAME` on every connection, so that `CLIENT LIST` shows whose connections they are.
    /// Letters, digits and `-_.:` only (Redis forbids spaces).
    public var clientName: String?

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeoutMilliseconds: Int = 2000,
        commandTimeoutMilliseconds: Int = 2000,
        poolSize: Int = 8,
        acquireTimeoutMilliseconds: Int = 2000,
        maximumWaitingCallers: Int = 1000,
        maximumPipelineLength: Int = 10_000,
        clientName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.commandTimeoutMilliseconds = commandTimeoutMilliseconds
        self.poolSize = poolSize
        self.acquireTimeoutMilliseconds = acquireTimeoutMilliseconds
        self.maximumWaitingCallers = maximumWaitingCallers
        self.maximumPipelineLength = maximumPipelineLength
        self.clientName = clientName
    }

    /// Parses `redis://[[username]:password@]host[:port][/database]` (port 6379 and database 0 by default;
    /// user and password percent-decoded). Other settings keep their defaults.
    /// - Throws: `RedisError` with code `.invalidArgument` for another scheme, a missing host, a bad port or
    ///   database, or a query string (TLS and other options are not supported).
    public init(url: String) throws {
        guard let components = URLComponents(string: url) else {
            throw RedisError(
                code: .invalidArgument, message: "not a URL: \(RedisConfiguration.redact(url))")
        }
        guard components.scheme?.lowercased() == "redis" else {
            throw RedisError(
                code: .invalidArgument,
                message: "unsupported scheme '\(components.scheme ?? "")' (only redis:// is supported)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw RedisError(
                code: .invalidArgument, message: "no host in \(RedisConfiguration.redact(url))")
        }
        guard components.query == nil else {
            throw RedisError(
                code: .invalidArgument, message: "URL options are not supported: ?\(components.query!)")
        }
        var database = 0
        let path = String(components.path.drop(while: { $0 == "/" }))
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else {
                throw RedisError(
                    code: .invalidArgument, message: "database '\(path)' is not a non-negative integer")
            }
            database = number
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            host: host, port: components.port ?? 6379, username: user, password: password,
            database: database)
        try validate()
    }

    /// What ``validate()`` throws, or nil for a valid configuration (for clients that fail every call with it).
    var validationError: RedisError? {
        do {
            try validate()
            return nil
        } catch {
            return error as? RedisError ?? RedisError(code: .invalidArgument, message: "\(error)")
        }
    }

    /// Checks every setting; `RedisConnection.connect` and `RedisClient` refuse to work with an invalid one.
    /// - Throws: `RedisError` with code `.invalidArgument` naming the first bad setting.
    public func validate() throws {
        func fail(_ message: String) -> RedisError {
            RedisError(code: .invalidArgument, message: message)
        }
        guard !host.isEmpty else { throw fail("host is empty") }
        guard (1...65535).contains(port) else { throw fail("port \(port) is outside 1...65535") }
        guard database >= 0 else { throw fail("database \(database) is negative") }
        guard connectTimeoutMilliseconds > 0 else {
            throw fail("connectTimeoutMilliseconds must be > 0")
        }
        guard commandTimeoutMilliseconds > 0 else {
            throw fail("commandTimeoutMilliseconds must be > 0")
        }
        guard poolSize >= 1 else { throw fail("poolSize must be >= 1") }
        guard acquireTimeoutMilliseconds > 0 else {
            throw fail("acquireTimeoutMilliseconds must be > 0")
        }
        guard maximumWaitingCallers >= 0 else { throw fail("maximumWaitingCallers must be >= 0") }
        guard maximumPipelineLength >= 1 else { throw fail("maximumPipelineLength must be >= 1") }
        if username != nil && password == nil { throw fail("a username needs a password") }
        if let clientName {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
            guard !clientName.isEmpty, clientName.allSatisfy({ allowed.contains($0) }) else {
                throw fail("clientName '\(clientName)' may only hold letters, digits and -_.:")
            }
        }
    }

    /// `redis://host:port/db`, with `***` for a password.
    public var description: String {
        let credentials: String
        switch (username, password) {
        case (let user?, _?): credentials = "\(user):***@"
        case (nil, _?): credentials = ":***@"
        default: credentials = ""
        }
        return "redis://\(credentials)\(host):\(port)/\(database)"
    }

    /// The URL with anything between `//` and `@` hidden, for error messages about unparsable URLs.
    private static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let slashes = url.firstRange(of: "//"),
            slashes.upperBound < at
        else {
            return url
        }
        return url[..<slashes.upperBound] + "***" + url[at...]
    }
}
