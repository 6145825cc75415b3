import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Rejects the withdrawals frozen after their holder removed their card or unbound their WeChat account.
///
/// Removing a card rejects, in the same transaction, the withdrawals to it that wait for review
/// (``WithdrawalRoutes/rejectWaiting(to:of:services:correlationID:on:)``). A withdrawal requested just before the
/// removal but frozen by the worker only after it is not among them: it cannot be approved (409
/// `withdraw.destination_removed`), and it used to wait, its money frozen, until an operator rejected it. This
/// sweep rejects it as the removal would have: reviewed by the account, for the removal's reason, the rejection in
/// the outbox with the review in one transaction; the worker then unfreezes its money.
///
/// Guarantees: only withdrawals that are `requested` (frozen), not reviewed and whose destination is removed now
/// (``WithdrawalRoutes/destinationRemoved``) are rejected, each once (`reviewed_by` is set under the row's lock, and
/// rows another API process or a review holds are skipped, `SKIP LOCKED`); an operator's review that got the row
/// first stands. A row whose rejection fails (logged) is rolled back alone and left out of this process's rounds for
/// a while (2 s, doubling up to 60 s: ``PutOff``), so that rows failing for ever cannot fill every batch and hold back
/// the ones behind them.
struct RemovedDestinationSweep: Service {
    let services: APIServices
    var interval: Duration = .seconds(2)
    /// Withdrawals rejected per transaction (`--removed-destination-sweep-batch`).
    var batch = 100
    /// The rows this process has put off, and until when.
    let putOff = PutOff()

    func run() async throws {
        await runDispatchLoop("removed-destination sweep", interval: interval, logger: services.logger) { try await sweepOnce() }
    }

    /// Rejects up to `batch` such withdrawals; returns how many.
    func sweepOnce() async throws -> Int {
        let correlationID = "sweep-" + OrderNumbers.random(12)
        let rejected = try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT w.order_id, w.account_id, w.channel FROM withdrawal_requests w JOIN orders o ON o.order_id = w.order_id
                WHERE o.kind = 'withdraw' AND o.status = 'requested' AND w.reviewed_by IS NULL
                  AND \(literalSQL: WithdrawalRoutes.destinationRemoved)
                  AND NOT (w.order_id = ANY(\(putOff.waiting())::text[]))
                ORDER BY w.order_id
                LIMIT \(batch)
                FOR UPDATE OF w SKIP LOCKED
                """)
            var rejected: [(order: String, account: String)] = []
            // One row that fails is rolled back alone and looked at again next round; the others go on.
            try await forEachClaimedRow(rows, on: connection, logger: services.logger, what: "removed-destination sweep", key: "order_id") { row in
                let orderID = try row.decode(String.self, column: "order_id")
                let account = try row.decode(String.self, column: "account_id")
                let reason = WithdrawalRoutes.RemovedDestination.reason(channel: try row.decode(String.self, column: "channel"))
                try await WithdrawalRoutes.rejectLocked(
                    orderID, reviewer: account, reason: reason, services: services, correlationID: correlationID, on: connection)
                rejected.append((orderID, account))
            } putOff: { row in
                putOff.note(try row.decode(String.self, column: "order_id"))
            }
            return rejected
        }
        for (orderID, account) in rejected {
            services.logger.notice(
                "withdrawal frozen after its destination was removed: rejected",
                metadata: ["order_id": "\(orderID)", "account": "\(account)", "correlation_id": "\(correlationID)"])
        }
        for (orderID, _) in rejected { putOff.forget(orderID) }
        return rejected.count
    }

    /// Order ids whose rejection failed, each left out until its time: 2 s after the first failure, doubling up to
    /// 60 s. Kept in memory: another process, or this one after a restart, tries them at once, which is harmless.
    final class PutOff: Sendable {
        private let rows = Mutex<[String: (failures: Int, until: ContinuousClock.Instant)]>([:])

        /// The order ids still put off now. Those whose time is over are not listed, but stay remembered, with their
        /// failure count, until ``note(_:now:)`` forgets them.
        func waiting(now: ContinuousClock.Instant = .now) -> [String] {
            rows.withLock { rows in rows.filter { $0.value.until > now }.map(\.key) }
        }

        /// Puts `orderID` off after one more failure. Rows whose time ended ten minutes ago are forgotten (they were
        /// rejected by someone else, or their next failure starts again at 2 s), so the map stays small.
        func note(_ orderID: String, now: ContinuousClock.Instant = .now) {
            rows.withLock { rows in
                rows = rows.filter { $0.value.until > now - .seconds(600) }
                let failures = (rows[orderID]?.failures ?? 0) + 1
                rows[orderID] = (failures, now + .seconds(min(60, 1 << min(failures, 6))))
            }
        }

        /// How many rows are remembered (expired or not).
        var count: Int { rows.withLock(\.count) }

        /// Forgets `orderID` once it was rejected.
        func forget(_ orderID: String) {
            _ = rows.withLock { $0.removeValue(forKey: orderID) }
        }
    }
}
