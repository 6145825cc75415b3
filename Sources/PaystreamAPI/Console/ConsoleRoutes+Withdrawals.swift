import Foundation
import Hummingbird

/// The withdrawal review queue: `GET /console/withdrawals?status=requested&cursor=C` (oldest first, 50 a page),
/// `POST /console/withdrawals/{orderId}/approve`, `POST /console/withdrawals/{orderId}/reject` (form `reason`), and for
/// a payout the dispatcher holds, `POST /console/withdrawals/{orderId}/resolve`.
/// A review is ``WithdrawalRoutes/review(_:admin:reason:correlationID:)``, the JSON API's own: the same checks
/// (only a `requested` withdrawal, reviewed once) and the same event to the worker.
extension ConsoleRoutes {
    static let withdrawalTabs: [(status: String, title: String)] = [
        ("requested", "Waiting for review"), ("approved", "Approved, paying out"), ("paidOut", "Paid out"), ("invalid", "Rejected or failed"),
        ("pending", "Not yet applied"),
    ]

    func registerWithdrawals(on router: Router<APIRequestContext>) {
        router.get("/console/withdrawals") { request, _ in
            await page(request) { signedIn, _ in
                let status = request.consoleQuery("status") ?? "requested"
                guard WithdrawalRoutes.listableStatuses.contains(status) else {
                    throw APIError.badRequest("request.invalid_field", "no withdrawal status \(status)")
                }
                let cursor = try PageCursor.parse(request.consoleQuery("cursor"))
                let rows = try await services.store.withdrawals(status: status, limit: 50, after: cursor)
                return ConsoleLayout.page(
                    "Withdrawals", section: "/console/withdrawals", signedIn: signedIn, notice: Self.notice(request),
                    withdrawalTable(rows, status: status, signedIn: signedIn))
            }
        }
        for (verb, done) in [("approve", "approved"), ("reject", "rejected")] {
            router.post("/console/withdrawals/:orderId/\(verb)") { request, context in
                let orderID = context.parameters.get("orderId") ?? ""
                return await action(request, name: "withdrawal.\(verb)", subject: orderID) { signedIn, form, correlationID in
                    let reason = verb == "reject" ? try InputText.required(form["reason"], field: "reason", maxCharacters: 200) : nil
                    let record = try await WithdrawalRoutes(services: services).review(
                        orderID, admin: signedIn.login, reason: reason, correlationID: correlationID)
                    let audited = await audit.record(
                        admin: signedIn.login, action: "withdrawal.\(verb)", subject: orderID, outcome: .done,
                        detail: "\(record.account) \(ConsoleFormat.yuan(record.amountFen)) CNY via \(record.channel)" + (reason.map { ": \($0)" } ?? ""),
                        correlationID: correlationID)
                    return Self.doneRedirect("/console/withdrawals", [("done", done), ("subject", orderID)], audited: audited)
                }
            }
        }
    }

    /// `POST /console/withdrawals/{orderId}/resolve` (form `outcome` paidOut|failed, `reason`, `channelReference`):
    /// a held payout resolved by the operator, through the JSON API's own ``WithdrawalRoutes/resolve(_:admin:body:correlationID:)``.
    func registerWithdrawalResolution(on router: Router<APIRequestContext>) {
        router.post("/console/withdrawals/:orderId/resolve") { request, context in
            let orderID = context.parameters.get("orderId") ?? ""
            return await action(request, name: "withdrawal.resolve", subject: orderID) { signedIn, form, correlationID in
                let reference = form["channelReference"].flatMap { $0.isEmpty ? nil : $0 }
                let record = try await WithdrawalRoutes(services: services).resolve(
                    orderID, admin: signedIn.login,
                    body: .init(outcome: form["outcome"], reason: form["reason"], channelReference: reference), correlationID: correlationID)
                let audited = await audit.record(
                    admin: signedIn.login, action: "withdrawal.resolve", subject: orderID, outcome: .done,
                    detail: "\(record.account) \(ConsoleFormat.yuan(record.amountFen)) CNY via \(record.channel): \(form["outcome"] ?? "") (\(record.resolutionReason ?? ""))",
                    correlationID: correlationID)
                return Self.doneRedirect("/console/withdrawals", [("done", "payout-resolved"), ("subject", orderID), ("status", "approved")], audited: audited)
            }
        }
    }

    private func withdrawalTable(_ rows: [WithdrawalRecord], status: String, signedIn: ConsoleSessions.Operator) -> HTML {
        let tabs = HTML.joined(Self.withdrawalTabs.map { tab in
            tab.status == status
                ? "<strong>\(tab.title)</strong>"
                : "<a id=\"tab-\(tab.status)\" href=\"\(ConsoleFormat.link("/console/withdrawals", [("status", tab.status)]))\">\(tab.title)</a>"
        })
        let reviewing = status == "requested"
        let lines = rows.map { row -> HTML in
            let destination: String =
                switch row.destination.type {
                case "wechat": "WeChat \(row.destination.openId ?? "")"
                case "bankAccount":
                    [row.destination.bankName, row.destination.accountNumber, row.destination.holderName].compactMap { $0 }.joined(separator: " ")
                case WithdrawalRecord.Destination.unreadable:
                    "unreadable: changed in the database; not sent if it was not sent before (reject it while it waits for review)"
                default:
                    "of type \(row.destination.type), which this version does not pay; not sent if it was not sent before"
                }
            let review: HTML =
                if reviewing, row.destinationRemoved {
                    // Its card or WeChat account was removed since it was requested: it cannot be approved.
                    """
                    <strong id="removed-\(row.orderId)">destination removed by its holder: it cannot be approved (the API rejects it within seconds, unless its sweep is off)</strong>\
                    <form method="post" action="/console/withdrawals/\(ConsoleFormat.encode(row.orderId))/reject">\(Self.csrfField(signedIn))\
                    <input type="text" name="reason" placeholder="reason" required maxlength="200" id="reason-\(row.orderId)">\
                    <button type="submit" id="reject-\(row.orderId)">Reject</button></form>
                    """
                } else if reviewing {
                    """
                    <form method="post" action="/console/withdrawals/\(ConsoleFormat.encode(row.orderId))/approve">\(Self.csrfField(signedIn))\
                    <button type="submit" id="approve-\(row.orderId)">Approve</button></form>\
                    <form method="post" action="/console/withdrawals/\(ConsoleFormat.encode(row.orderId))/reject">\(Self.csrfField(signedIn))\
                    <input type="text" name="reason" placeholder="reason" required maxlength="200" id="reason-\(row.orderId)">\
                    <button type="submit" id="reject-\(row.orderId)">Reject</button></form>
                    """
                } else if status == "approved", row.isHeld {
                    // Held by the dispatcher: the operator resolves it once they have checked with the channel.
                    """
                    payout \(row.payoutState ?? "not sent") <strong>held</strong>: \(row.failureReason ?? "")\
                    <form method="post" action="/console/withdrawals/\(ConsoleFormat.encode(row.orderId))/resolve">\(Self.csrfField(signedIn))\
                    <select name="outcome" id="outcome-\(row.orderId)"><option value="paidOut">Paid out</option><option value="failed">Failed (unfreeze)</option></select>\
                    <input type="text" name="reason" placeholder="what the channel confirmed" required maxlength="200" id="resolution-\(row.orderId)">\
                    <input type="text" name="channelReference" placeholder="channel's payout id" maxlength="64" id="reference-\(row.orderId)">\
                    <button type="submit" id="resolve-\(row.orderId)">Resolve</button></form>
                    """
                } else {
                    "\(row.reviewedBy.map { "by \($0)" } ?? "") \(row.reviewReason ?? "") \(row.payoutState.map { "payout \($0)" } ?? "") \(row.failureReason ?? "")\(row.resolvedBy.map { " resolved by \($0): \(row.resolutionReason ?? "")" } ?? "")"
                }
            return """
                <tr id="withdrawal-\(row.orderId)"><td><code>\(row.orderId)</code></td>\
                <td><a href="\(ConsoleFormat.link("/console/accounts", [("account", row.account)]))">\(row.account)</a></td>\
                <td class="amount">\(ConsoleFormat.yuan(row.amountFen))</td><td>\(row.channel)</td><td>\(destination)</td>\
                <td>\(ConsoleFormat.time(row.createdAt))</td><td class="status">\(row.status)</td><td>\(review)</td></tr>
                """
        }
        let next: HTML =
            rows.count == 50
            ? "<a id=\"next-page\" href=\"\(ConsoleFormat.link("/console/withdrawals", [("status", status), ("cursor", rows.last.map { PageCursor(id: $0.orderId).token })]))\">Next page</a>"
            : .empty
        return """
            <div class="filters">\(tabs)</div>
            <table id="withdrawals"><thead><tr><th>Order</th><th>Account</th><th class="amount">Amount (CNY)</th><th>Channel</th>\
            <th>Destination</th><th>Requested</th><th>Status</th><th>\(reviewing ? "Review" : "Outcome")</th></tr></thead><tbody>\
            \(HTML.list(lines, or: "<tr><td colspan=\"8\" class=\"muted\">No withdrawals here.</td></tr>"))</tbody></table>\(next)
            """
    }
}
