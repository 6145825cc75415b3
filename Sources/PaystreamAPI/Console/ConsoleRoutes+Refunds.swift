import Foundation
import Hummingbird

/// Refunds held for an operator: `GET /console/refunds` lists those the refund dispatcher holds and no one has
/// resolved (oldest first, at most 200), each with why, and a resolve form; `POST /console/refunds/{refundOrderId}/resolve`
/// (form `outcome` succeeded|returned, `reason`, `channelReference`) resolves one through the JSON API's own
/// ``RefundRoutes/resolve(_:admin:body:correlationID:)``: the same checks, once, the same event.
extension ConsoleRoutes {
    func registerRefunds(on router: Router<APIRequestContext>) {
        router.get("/console/refunds") { request, _ in
            await page(request) { signedIn, _ in
                let rows = try await RefundRoutes(services: services).held(limit: 200)
                let lines = rows.map { row -> HTML in
                    let id = row.refundOrderId
                    return """
                        <tr id="refund-\(id)"><td><code>\(id)</code></td><td><code>\(row.originalOrderId)</code></td>\
                        <td><a href="\(ConsoleFormat.link("/console/accounts", [("account", row.account)]))">\(row.account)</a></td>\
                        <td class="amount">\(ConsoleFormat.yuan(row.amountFen))</td><td>\(row.channel)</td><td>\(row.channelState)</td>\
                        <td>\(row.heldSince.map(ConsoleFormat.time))</td><td>\(row.heldReason)</td><td>\
                        <form method="post" action="/console/refunds/\(ConsoleFormat.encode(id))/resolve">\(Self.csrfField(signedIn))\
                        <select name="outcome" id="outcome-\(id)"><option value="succeeded">Paid by the channel</option>\
                        <option value="returned">Not paid (back to the wallet)</option></select>\
                        <input type="text" name="reason" placeholder="what the channel confirmed" required maxlength="200" id="resolution-\(id)">\
                        <input type="text" name="channelReference" placeholder="channel's refund id" maxlength="64" id="reference-\(id)">\
                        <button type="submit" id="resolve-\(id)">Resolve</button></form></td></tr>
                        """
                }
                return ConsoleLayout.page(
                    "Held refunds", section: "/console/refunds", signedIn: signedIn, notice: Self.notice(request),
                    """
                    <p class="muted">Refunds the dispatcher cannot settle on the channel's word: abnormal at the channel, reported for \
                    another amount, or accepted and then unknown to it. The channel is still asked about them, and its answer ends the \
                    hold. Otherwise check the refund in the channel's merchant platform and resolve it: paid by the channel (nothing \
                    moves), or not paid (its money goes back to the payer's wallet).</p>
                    <table id="held-refunds"><thead><tr><th>Refund</th><th>Order</th><th>Payer</th><th class="amount">Amount (CNY)</th>\
                    <th>Channel</th><th>At the channel</th><th>Held since</th><th>Why</th><th>Resolve</th></tr></thead><tbody>\
                    \(HTML.list(lines, or: "<tr><td colspan=\"9\" class=\"muted\" id=\"no-held-refunds\">No refund is held.</td></tr>"))\
                    </tbody></table>
                    """)
            }
        }
        router.post("/console/refunds/:refundOrderId/resolve") { request, context in
            let refundOrderID = context.parameters.get("refundOrderId") ?? ""
            return await action(request, name: "refund.resolve", subject: refundOrderID) { signedIn, form, correlationID in
                let reference = form["channelReference"].flatMap { $0.isEmpty ? nil : $0 }
                let record = try await RefundRoutes(services: services).resolve(
                    refundOrderID, admin: signedIn.login,
                    body: .init(outcome: form["outcome"], reason: form["reason"], channelReference: reference), correlationID: correlationID)
                let audited = await audit.record(
                    admin: signedIn.login, action: "refund.resolve", subject: refundOrderID, outcome: .done,
                    detail: "\(record.account) \(ConsoleFormat.yuan(record.amountFen)) CNY via \(record.channel): \(record.resolution ?? "") (\(record.resolutionReason ?? ""))",
                    correlationID: correlationID)
                return Self.doneRedirect("/console/refunds", [("done", "refund-resolved"), ("subject", refundOrderID)], audited: audited)
            }
        }
    }
}
