import Foundation
import Logging
import Postgres
import Synchronization
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Shared set-up for the PostgreSQL integration tests: every test gets its own client and schema, so tests
/// run in parallel without seeing each other's tables.
enum PG {
    static let logger: Logger = {
        var logger = Logger(label: "postgres-tests")
        logger.logLevel = .error
        return logger
    }()

    static func configuration(poolSize: Int = 3) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url: TestEnvironment.postgresURL())
        configuration.poolSize = poolSize
        configuration.acquireTimeoutMilliseconds = 20_000
        configuration.applicationName = "postgres-tests"
        return configuration
    }

    /// Runs `body` with a fresh client and shuts it down afterwards, also when `body` throws.
    static func withClient<T>(
        _ configuration: PostgresConfiguration? = nil, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try configuration ?? Self.configuration(), logger: logger)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// Runs `body` with a fresh client and a new schema (a unique name with dashes, so always quoted),
    /// dropping the schema afterwards.
    static func withSchema<T>(
        _ configuration: PostgresConfiguration? = nil, _ body: (PostgresClient, String) async throws -> T
    ) async throws -> T {
        try await withClient(configuration) { client in
            let schema = TestEnvironment.uniqueName("pgtest")
            try await client.execute("CREATE SCHEMA \(identifier: schema)")
            do {
                let result = try await body(client, schema)
                try await client.execute("DROP SCHEMA \(identifier: schema) CASCADE")
                return result
            } catch {
                _ = try? await client.execute("DROP SCHEMA \(identifier: schema) CASCADE")
                throw error
            }
        }
    }

    static func elapsedSeconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Counts how many callers are inside a region at once and remembers the maximum.
final class ConcurrencyGauge: Sendable {
    private let state = Mutex<(current: Int, maximum: Int)>((0, 0))
    func enter() { state.withLock { $0.current += 1; $0.maximum = max($0.maximum, $0.current) } }
    func leave() { state.withLock { $0.current -= 1 } }
    var maximum: Int { state.withLock { $0.maximum } }
}

/// A TCP socket on 127.0.0.1 that listens but never accepts or answers: connections complete the TCP
/// handshake (through the backlog) and then hear nothing.
final class SilentListener {
    let port: Int
    private let descriptor: Int32?

    /// With `listening: false` the socket is bound and closed at once, leaving a port where nothing listens.
    init(listening: Bool = true) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound, !listening || listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        if listening {
            descriptor = fd
        } else {
            close(fd)
            descriptor = nil
        }
    }

    deinit {
        if let descriptor { close(descriptor) }
    }
}
