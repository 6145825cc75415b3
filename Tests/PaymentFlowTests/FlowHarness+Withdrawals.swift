import Foundation

extension FlowHarness {
    /// Approves withdrawal `orderID` once the worker has frozen it, and keeps the payout dispatcher off it as a failed
    /// send's back-off would (an hour), so that it is approved and not sent; ``releaseToDispatcher(_:)`` ends that.
    func approveWithoutSending(_ orderID: String) async throws {
        guard await waitFor(orderID, status: "requested") else { throw HarnessError("withdrawal \(orderID) was not frozen") }
        _ = try await database.client.execute(
            "UPDATE withdrawal_requests SET next_attempt_at = now() + interval '1 hour' WHERE order_id = \(orderID)")
        let approval = try await post("/v1/admin/withdrawals/\(orderID)/approve", "{}", admin: "ops-lee")
        guard approval.status == 202, await waitFor(orderID, status: "approved") else {
            throw HarnessError("withdrawal \(orderID) was not approved: \(approval.text)")
        }
    }

    /// Lets the payout dispatcher take withdrawal `orderID` at its next round.
    func releaseToDispatcher(_ orderID: String) async throws {
        _ = try await database.client.execute("UPDATE withdrawal_requests SET next_attempt_at = NULL WHERE order_id = \(orderID)")
    }
}
