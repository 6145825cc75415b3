import Foundation
import Hummingbird
import PaystreamCore

/// Payments held for review, read only: `GET /console/held-payments` lists the newest 200 rows of `payment_reviews`
/// (authentic payments the intake did not credit: another amount or channel, no transaction id, or an order
/// failed here before the channel took the money), each with whether a reconciliation correction has credited it.
///
/// What an operator does with one: propose a correction of what was paid on the day's reconciliation item (on the
/// reconciliation page, or `recon resolve`), which a second operator approves, or refund it in the channel's
/// merchant portal and acknowledge the item without an entry. This page has no action of its own.
extension ConsoleRoutes {
    func registerHeldPayments(on router: Router<APIRequestContext>) {
        router.get("/console/held-payments") { request, _ in
            await page(request) { signedIn, _ in
                let rows = try await services.store.postgres.query(
                    """
                    SELECT r.review_id, r.channel, r.order_id, r.channel_transaction_id, r.expected_fen, r.paid_fen, r.reason, r.created_at,
                           o.owner_account, o.status,
                           (SELECT e.idempotency_key FROM journal_entries e
                            WHERE e.idempotency_key = 'recon-resolution:' || r.channel || ':payment:' || r.order_id) AS correction
                    FROM payment_reviews r LEFT JOIN orders o ON o.order_id = r.order_id
                    ORDER BY r.review_id DESC LIMIT 200
                    """)
                let lines = try rows.map { row -> HTML in
                    let id = try row.decode(Int64.self, column: "review_id")
                    let correction = try row.decode(String?.self, column: "correction")
                    let state: HTML = correction.map { "<span class=\"resolution\">credited by correction <code>\($0)</code></span>" } ?? "open"
                    return """
                        <tr id="held-\(id)"><td>\(id)</td><td>\(ConsoleFormat.time(try row.decode(Date.self, column: "created_at")))</td>\
                        <td>\(try row.decode(String.self, column: "channel"))</td><td><code>\(try row.decode(String.self, column: "order_id"))</code></td>\
                        <td><code>\(try row.decode(String.self, column: "channel_transaction_id"))</code></td>\
                        <td>\(try row.decode(String?.self, column: "owner_account"))</td><td>\(try row.decode(String?.self, column: "status"))</td>\
                        <td class="amount">\(try row.decode(Int64?.self, column: "expected_fen").map(ConsoleFormat.yuan))</td>\
                        <td class="amount">\(try row.decode(Int64?.self, column: "paid_fen").map(ConsoleFormat.yuan))</td>\
                        <td>\(try row.decode(String.self, column: "reason"))</td><td class="status">\(state)</td></tr>
                        """
                }
                return ConsoleLayout.page(
                    "Held payments", section: "/console/held-payments", signedIn: signedIn,
                    """
                    <p class="muted">Authentic payments that were not credited: the channel holds the payer's money and no wallet has it. \
                    Propose a correction of what was paid on the day's <a href="/console/reconciliation">reconciliation</a> item, \
                    which another operator approves, or refund it in the channel's merchant portal and resolve the item without an entry.</p>
                    <table id="held-payments"><thead><tr><th>Review</th><th>Held at</th><th>Channel</th><th>Order</th><th>Transaction</th>\
                    <th>Payer</th><th>Order status</th><th class="amount">Ordered</th><th class="amount">Paid</th><th>Reason</th><th>State</th>\
                    </tr></thead><tbody>\(HTML.list(lines, or: "<tr><td colspan=\"11\" class=\"muted\" id=\"no-held\">No payment is held.</td></tr>"))\
                    </tbody></table>
                    """)
            }
        }
    }
}
