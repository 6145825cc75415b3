import Foundation
import Postgres
import Testing

@Suite("Connecting")
struct ConnectTests {
    func configuration(port: Int, timeoutSeconds: Int) -> PostgresConfiguration {
        var configuration = PostgresConfiguration(host: "127.0.0.1", port: port, user: "paystream", database: "paystream")
        configuration.connectTimeoutSeconds = timeoutSeconds
        return configuration
    }

    @Test("a port where nothing listens fails fast with connectionFailed naming host:port")
    func refusedConnection() async throws {
        let closedPort = try SilentListener(listening: false).port
        let start = ContinuousClock.now
        let error = try await #require(throws: PostgresError.self) {
            try await PostgresConnection.connect(configuration: configuration(port: closedPort, timeoutSeconds: 3), logger: PG.logger)
        }
        // Refused at once; the bound only says "not a hang", with room for a loaded machine.
        #expect(PG.elapsedSeconds(since: start) < 60)
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1:\(closedPort)"), "\(error)")
        #expect(error.isRetriable)
    }

    @Test("a server that accepts TCP but never answers fails within the connect timeout")
    func silentServerTimesOut() async throws {
        let listener = try SilentListener()
        let start = ContinuousClock.now
        let error = try await #require(throws: PostgresError.self) {
            try await PostgresConnection.connect(configuration: configuration(port: listener.port, timeoutSeconds: 2), logger: PG.logger)
        }
        let elapsed = PG.elapsedSeconds(since: start)
        #expect(elapsed >= 1.5 && elapsed < 60, "took \(elapsed) s")
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1:\(listener.port)") && error.message.contains("timed out"), "\(error)")
        withExtendedLifetime(listener) {}
    }

    @Test("through the pool, an unreachable database fails every caller and frees the slot")
    func poolWithUnreachableDatabase() async throws {
        let listener = try SilentListener()
        var configuration = configuration(port: listener.port, timeoutSeconds: 2)
        configuration.poolSize = 1
        try await PG.withClient(configuration) { client in
            let start = ContinuousClock.now
            let error = try await #require(throws: PostgresError.self) { try await client.query("SELECT 1") }
            #expect(error.code == .connectionFailed)
            #expect(PG.elapsedSeconds(since: start) < 60)
            #expect(client.statistics().openConnections == 0)
        }
        withExtendedLifetime(listener) {}
    }

    @Test("URLs are parsed, with query parameters, and the password never shows")
    func urlParsing() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://pay%40user:s3cr%2Ft@db.example.com:6543/ledger?sslmode=require&connect_timeout=7&application_name=api&statement_timeout=1500&pool_size=4&target_session_attrs=read-write")
        #expect(configuration.host == "db.example.com")
        #expect(configuration.port == 6543)
        #expect(configuration.user == "pay@user")
        #expect(configuration.password == "s3cr/t")
        #expect(configuration.database == "ledger")
        #expect(configuration.sslMode == "require")
        #expect(configuration.connectTimeoutSeconds == 7)
        #expect(configuration.applicationName == "api")
        #expect(configuration.statementTimeoutMilliseconds == 1500)
        #expect(configuration.poolSize == 4)
        #expect(configuration.extraParameters == ["target_session_attrs": "read-write"])
        #expect(!configuration.description.contains("s3cr"))
        #expect(configuration.endpoint == "db.example.com:6543")

        let defaults = try PostgresConfiguration(url: "postgres://localhost")
        #expect(defaults.port == 5432 && defaults.user == nil && defaults.database == nil)
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: "mysql://localhost/db") }
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: "postgres://h/db?connect_timeout=soon") }
    }

    @Test("statement_timeout from the configuration cancels long statements")
    func statementTimeout() async throws {
        var configuration = try PG.configuration(poolSize: 1)
        configuration.statementTimeoutMilliseconds = 100
        try await PG.withClient(configuration) { client in
            let error = try await #require(throws: PostgresError.self) { try await client.query("SELECT pg_sleep(2)") }
            #expect(error.sqlState == PostgresError.queryCanceled)
        }
    }

    @Test("JIT compilation is off unless the URL's options turn it on; the fixed session settings still win")
    func jitIsOffByDefault() async throws {
        try await PG.withClient(try PG.configuration(poolSize: 1)) { client in
            let rows = try await client.query("SELECT current_setting('jit') AS jit")
            #expect(try rows.first?.decode(String.self, column: "jit") == "off")
        }
        var configuration = try PG.configuration(poolSize: 1)
        configuration.extraParameters["options"] = "-c jit=on -c TimeZone=Asia/Shanghai"
        try await PG.withClient(configuration) { client in
            let rows = try await client.query("SELECT current_setting('jit') AS jit, current_setting('TimeZone') AS zone")
            #expect(try rows.first?.decode(String.self, column: "jit") == "on")
            #expect(try rows.first?.decode(String.self, column: "zone") == "UTC")
        }
    }
}
