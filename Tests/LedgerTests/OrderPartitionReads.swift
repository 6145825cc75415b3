import Postgres

/// Rows this transaction has read so far from the partitions of `orders`, through indexes and by scans: a plan
/// that probes by index reads a handful, one that walks the table reads every row (some counted twice).
func ordersRowsRead(on connection: PostgresConnection) async throws -> Int64 {
    let read = try await connection.query(
        """
        SELECT (sum(pg_stat_get_xact_tuples_fetched(i.inhrelid)) + sum(pg_stat_get_xact_tuples_returned(i.inhrelid)))::bigint AS n
        FROM pg_inherits i WHERE i.inhparent = 'orders'::regclass
        """)
    return try read.first?.decode(Int64.self, column: "n") ?? 0
}
