import Logging
import Postgres
import ServiceLifecycle

/// Runs `once` until graceful shutdown: again at once while it finds work, after `interval` when it found
/// none, after 2 s when it failed (logged; the next round retries).
func runDispatchLoop(_ what: String, interval: Duration, logger: Logger, _ once: () async throws -> Int) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        do {
            if try await once() == 0 { try? await Task.sleep(for: interval) }
        } catch {
            logger.error("\(what) failed; retrying", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: .seconds(2))
        }
    }
}

/// Handles the claimed `rows` of one dispatcher round one at a time, each in its own savepoint: a row whose
/// handling throws (a value that no longer opens, an event its data cannot make, a refused update) is rolled back
/// to its savepoint, logged, and put off with `putOff`, while the rows behind it go on. Without this, the same
/// first rows failed every round and nothing behind them was ever dispatched.
func forEachClaimedRow(
    _ rows: PostgresRows, on connection: PostgresConnection, logger: Logger, what: String, key: String,
    _ handle: (PostgresRow) async throws -> Void, putOff: (PostgresRow) async throws -> Void
) async throws {
    for row in rows {
        try await connection.execute("SAVEPOINT claimed_row")
        do {
            try await handle(row)
        } catch {
            // Logged first: if the rollback fails too, the round fails, but this row's own error is not lost.
            logger.error(
                "\(what) failed for one row; it waits, the others go on",
                metadata: [key: "\((try? row.decode(String.self, column: key)) ?? "?")", "error": "\(error)"])
            try await connection.execute("ROLLBACK TO SAVEPOINT claimed_row")
            try await putOff(row)
        }
        try await connection.execute("RELEASE SAVEPOINT claimed_row")
    }
}
