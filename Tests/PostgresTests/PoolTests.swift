import Foundation
import Postgres
import Testing
import TestSupport

@Suite("The bounded connection pool")
struct PoolTests {
    @Test("10 concurrent callers on a pool of 2 never hold more than 2 connections")
    func poolBoundHolds() async throws {
        var configuration = try PG.configuration(poolSize: 2)
        configuration.applicationName = TestEnvironment.uniqueName("pool-bound")
        let applicationName = configuration.applicationName
        let gauge = ConcurrencyGauge()
        let serverCounts = try await PG.withClient(configuration) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await client.withConnection { connection in
                            gauge.enter()
                            defer { gauge.leave() }
                            let rows = try await connection.query(
                                """
                                SELECT count(*) AS n, pg_sleep(0.05)::text AS slept
                                FROM pg_stat_activity WHERE application_name = \(applicationName)
                                """)
                            return try rows[0].decode(Int.self, column: "n")
                        }
                    }
                }
                var counts = [Int]()
                for try await count in group { counts.append(count) }
                #expect(client.statistics().openConnections <= 2)
                return counts
            }
        }
        #expect(gauge.maximum == 2)
        #expect(serverCounts.count == 10)
        #expect(serverCounts.allSatisfy { $0 >= 1 && $0 <= 2 }, "pg_stat_activity saw \(serverCounts)")
    }

    @Test("a caller that cannot get a connection in time fails with acquireTimeout")
    func acquireTimeout() async throws {
        var configuration = try PG.configuration(poolSize: 1)
        configuration.acquireTimeoutMilliseconds = 300
        try await PG.withClient(configuration) { client in
            try await client.withConnection { _ in
                let start = ContinuousClock.now
                let error = try await #require(throws: PostgresError.self) {
                    try await client.withConnection { _ in }
                }
                let elapsed = PG.elapsedSeconds(since: start)
                #expect(error.code == .acquireTimeout)
                #expect(error.isRetriable)
                #expect(elapsed >= 0.25 && elapsed < 6, "waited \(elapsed) s")
                #expect(client.statistics().waitingCallers == 0)
            }
            #expect(try await client.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test("cancelling a waiting caller does not leak a connection or a slot")
    func cancellationWhileWaiting() async throws {
        let configuration = try PG.configuration(poolSize: 1)
        try await PG.withClient(configuration) { client in
            try await client.withConnection { _ in
                let waiter = Task { try await client.withConnection { _ in "served" } }
                for _ in 0..<200 where client.statistics().waitingCallers == 0 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(client.statistics().waitingCallers == 1)
                let start = ContinuousClock.now
                waiter.cancel()
                await #expect(throws: CancellationError.self) { try await waiter.value }
                #expect(PG.elapsedSeconds(since: start) < 15)
                #expect(client.statistics().waitingCallers == 0)
            }
            #expect(client.statistics() == .init(openConnections: 1, idleConnections: 1, waitingCallers: 0))
            #expect(try await client.withConnection { _ in "again" } == "again")
        }
    }

    @Test("a broken connection is discarded and replaced")
    func brokenConnectionIsReplaced() async throws {
        let configuration = try PG.configuration(poolSize: 1)
        try await PG.withClient(configuration) { client in
            let firstPID = try await client.withConnection { connection in
                let pid = try await connection.backendPID()
                let killer = try await PostgresConnection.connect(configuration: configuration, logger: PG.logger)
                try await killer.execute("SELECT pg_terminate_backend(\(pid))")
                await killer.close()
                try await Task.sleep(for: .milliseconds(100))
                let error = try await #require(throws: PostgresError.self) { try await connection.query("SELECT 1") }
                #expect(error.code == .connectionFailed, "\(error)")
                #expect(error.isRetriable)
                #expect(await !connection.isUsable())
                return pid
            }
            let secondPID = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
            #expect(secondPID != firstPID)
            #expect(client.statistics().openConnections == 1)
        }
    }

    @Test("a transaction left open by a borrower is rolled back before the connection is reused")
    func leftoverTransactionIsRolledBack() async throws {
        try await PG.withSchema(try PG.configuration(poolSize: 1)) { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (id bigint)")
            try await client.withConnection { connection in
                try await connection.execute("BEGIN")
                try await connection.execute("INSERT INTO \(identifier: schema).t VALUES (\(1))")
            }
            let count = try await client.query("SELECT count(*) FROM \(identifier: schema).t")
            #expect(try count[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test("a single statement that opens a transaction is rolled back with it, in the same trip")
    func singleStatementTransactionIsRolledBack() async throws {
        try await PG.withSchema(try PG.configuration(poolSize: 1)) { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (id bigint)")
            try await client.execute("BEGIN")
            // Had the BEGIN survived, this insert would sit in its open transaction, unseen by other sessions.
            try await client.execute("INSERT INTO \(identifier: schema).t VALUES (\(1))")
            let seen = try await PG.withClient { other in try await other.query("SELECT count(*) FROM \(identifier: schema).t") }
            #expect(try seen[0].decode(Int.self, at: 0) == 1)
            // A failed statement leaves the connection usable for the next caller: the same one, pool size 1.
            let pid = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
            await #expect(throws: PostgresError.self) { try await client.query("SELECT * FROM \(identifier: schema).missing") }
            #expect(try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid") == pid)
            #expect(client.statistics().openConnections == 1)
        }
    }

    @Test("after shutdown every call fails with closed")
    func shutdownCloses() async throws {
        let client = PostgresClient(configuration: try PG.configuration(poolSize: 1), logger: PG.logger)
        _ = try await client.query("SELECT 1")
        await client.shutdown()
        let error = try await #require(throws: PostgresError.self) { try await client.query("SELECT 1") }
        #expect(error.code == .closed)
        #expect(client.statistics().openConnections == 0)
    }
}
