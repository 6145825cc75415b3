import Foundation

/// Where and how to connect to PostgreSQL, and how large the connection pool may grow.
///
/// Built from a URL `postgres://user:password@host:port/database?sslmode=require`; query parameters that
/// libpq understands (sslmode, sslrootcert, target_session_attrs, ...) are passed to it unchanged, and
/// `connect_timeout`, `application_name`, `statement_timeout` (ms), `pool_size`, `acquire_timeout` (ms) and
/// `statement_cache` set the fields below. `description` never shows the password.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var database: String?
    /// libpq sslmode: disable, allow, prefer (libpq's default), require, verify-ca, verify-full.
    public var sslMode: String?
    /// The whole connection attempt (TCP, TLS, authentication) fails after this many seconds. libpq rounds
    /// values below 2 up to 2; this client enforces the same bound with its own deadline.
    public var connectTimeoutSeconds: Int = 5
    /// Server-side statement_timeout; nil keeps the server's setting.
    public var statementTimeoutMilliseconds: Int?
    /// The most connections the pool ever holds open at once.
    public var poolSize: Int = 8
    /// How long a caller waits for a pooled connection before getting `.acquireTimeout`.
    public var acquireTimeoutMilliseconds: Int = 10_000
    /// How many statements each connection keeps prepared on the server (the least recently used is dropped
    /// beyond that); 0 sends every statement unnamed, to be parsed and planned each time.
    public var statementCacheCapacity: Int = 256
    /// Sends `enable_seqscan=off` for the session, for programs whose every statement finds its rows by key
    /// through an index (the API and the worker); a statement with no index to use still scans.
    ///
    /// Their statements are prepared (`statementCacheCapacity`), and after five runs PostgreSQL may keep one
    /// generic plan for the life of the connection, until a table it reads is analysed again. A generic plan made
    /// while a table was small is a sequential scan, and it stays one as the table grows: on a new database, a
    /// grab run's account lock read all of `accounts` (39,000 rows by the end) on each of its 334 calls, and
    /// PostgreSQL took 0.7 of the machine's two cores. The URL's `options` can still turn it back on.
    public var preferIndexScans: Bool = false
    /// Shown in pg_stat_activity.
    public var applicationName: String = "paystream"
    /// Other libpq connection keywords, passed unchanged.
    public var extraParameters: [String: String] = [:]

    public init(
        host: String, port: Int = 5432, user: String? = nil, password: String? = nil, database: String? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses `postgres://` or `postgresql://` URLs. Throws `.connectionFailed` naming what is wrong.
    public init(url: String) throws(PostgresError) {
        func invalid(_ reason: String) -> PostgresError {
            PostgresError(code: .connectionFailed, message: "invalid PostgreSQL URL: \(reason)")
        }
        guard let components = URLComponents(string: url) else { throw invalid("cannot be parsed") }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw invalid("scheme must be postgres:// or postgresql://")
        }
        var host = components.percentEncodedHost?.removingPercentEncoding ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? "localhost" : host, port: components.port ?? 5432)
        user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? nil : path

        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            func integer(min: Int) throws(PostgresError) -> Int {
                guard let number = Int(value), number >= min else {
                    throw invalid("\(item.name) must be an integer >= \(min), got \"\(value)\"")
                }
                return number
            }
            switch item.name {
            case "host": self.host = value
            case "port": port = try integer(min: 1)
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode": sslMode = value
            case "connect_timeout": connectTimeoutSeconds = try integer(min: 1)
            case "application_name": applicationName = value
            case "statement_timeout": statementTimeoutMilliseconds = try integer(min: 0)
            case "pool_size": poolSize = try integer(min: 1)
            case "acquire_timeout": acquireTimeoutMilliseconds = try integer(min: 0)
            case "statement_cache": statementCacheCapacity = try integer(min: 0)
            default: extraParameters[item.name] = value
            }
        }
    }

    /// "host:port" for messages.
    public var endpoint: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public var description: String {
        var text = "postgres://\(user ?? "")\(password == nil ? "" : ":***")@\(endpoint)/\(database ?? "")"
        text += " (connect timeout \(connectTimeoutSeconds) s, pool size \(poolSize)"
        if let sslMode { text += ", sslmode \(sslMode)" }
        return text + ")"
    }

    /// libpq keywords and values. Session settings make the text formats this client parses fixed:
    /// ISO dates in UTC, hex bytea, UTF-8.
    ///
    /// JIT compilation is off unless the URL's `options` turn it on (`-c jit=on`): this client runs short
    /// statements, and PostgreSQL compiles any statement whose estimated cost passes `jit_above_cost`, which a
    /// batch of a few thousand rows does. Locking a batch's 3,000 orders took 21 ms, 12 ms of it compiling.
    var libpqParameters: [(keyword: String, value: String)] {
        var options = "-c jit=off"
        if preferIndexScans { options += " -c enable_seqscan=off" }
        if let extra = extraParameters["options"], !extra.isEmpty { options += " " + extra }
        options += " -c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex -c extra_float_digits=3"
        if let statementTimeoutMilliseconds { options += " -c statement_timeout=\(statementTimeoutMilliseconds)" }
        var parameters: [(String, String)] = extraParameters.sorted { $0.key < $1.key }.filter { $0.0 != "options" }
        parameters.append(("host", host))
        parameters.append(("port", String(port)))
        if let user { parameters.append(("user", user)) }
        if let password { parameters.append(("password", password)) }
        if let database { parameters.append(("dbname", database)) }
        if let sslMode { parameters.append(("sslmode", sslMode)) }
        parameters.append(("connect_timeout", String(max(2, connectTimeoutSeconds))))
        parameters.append(("application_name", applicationName))
        parameters.append(("client_encoding", "UTF8"))
        parameters.append(("options", options))
        return parameters
    }
}
