import Foundation
import Hummingbird
import PaystreamCore

/// Account lookup and the audit trail, read only:
/// - `GET /console/accounts?account=user:alice&before=P`: the balances, what the ledger's postings sum to
///   (they must agree), the latest orders and the postings of the account, newest first, 100 a page;
/// - `GET /console/audit?admin=LOGIN`: the console's audit rows, newest first.
extension ConsoleRoutes {
    func registerAccounts(on router: Router<APIRequestContext>) {
        router.get("/console/accounts") { request, _ in
            await page(request) { signedIn, _ in
                let text = request.consoleQuery("account")?.trimmingCharacters(in: .whitespaces) ?? ""
                let search: HTML = """
                    <form class="filters" method="get" action="/console/accounts">\
                    <label>Account <input type="text" name="account" id="account" value="\(text)" maxlength="80" \
                    placeholder="user:alice, merchant:m1, clearing:wechat, platform:fees"></label>\
                    <button type="submit" id="look-up">Look up</button></form>
                    """
                guard !text.isEmpty else { return ConsoleLayout.page("Accounts", section: "/console/accounts", signedIn: signedIn, search) }
                guard let account = AccountID(text) else {
                    throw APIError.badRequest("request.invalid_field", "\(text) is not an account (kind:name)")
                }
                let before = request.uri.queryParameters.get("before").flatMap { Int64(String($0)) }
                return ConsoleLayout.page(
                    "Account \(account.description)", section: "/console/accounts", signedIn: signedIn,
                    search + (try await accountContent(account, before: before)))
            }
        }
        router.get("/console/audit") { request, _ in
            await page(request) { signedIn, _ in
                let admin = request.consoleQuery("admin").flatMap { (text: String) -> String? in text.isEmpty ? nil : String(text.prefix(64)) }
                let rows = try await audit.recent(limit: 200, admin: admin)
                let lines = rows.map { row -> HTML in
                    """
                    <tr><td>\(ConsoleFormat.time(row.at))</td><td>\(row.admin)</td><td>\(row.action)</td><td><code>\(row.subject)</code></td>\
                    <td class="status">\(row.outcome)</td><td>\(row.detail)</td></tr>
                    """
                }
                return ConsoleLayout.page(
                    "Audit", section: "/console/audit", signedIn: signedIn,
                    """
                    <form class="filters" method="get" action="/console/audit"><label>Operator \
                    <input type="text" name="admin" value="\(admin ?? "")" maxlength="64"></label><button type="submit">Show</button></form>
                    <table id="audit"><thead><tr><th>When</th><th>Operator</th><th>Action</th><th>Subject</th><th>Outcome</th><th>Detail</th>\
                    </tr></thead><tbody>\(HTML.list(lines, or: "<tr><td colspan=\"6\" class=\"muted\">Nothing recorded.</td></tr>"))</tbody></table>
                    """)
            }
        }
    }

    private func accountContent(_ account: AccountID, before: Int64?) async throws -> HTML {
        let postgres = services.store.postgres
        let id = account.description
        let balanceRows = try await postgres.query(
            "SELECT available_fen, frozen_fen, created_at, updated_at FROM accounts WHERE account_id = \(id)")
        guard let balance = balanceRows.first else { return "<p class=\"muted\" id=\"no-account\">No such account in the ledger.</p>" }
        let available = try balance.decode(Int64.self, column: "available_fen"), frozen = try balance.decode(Int64.self, column: "frozen_fen")
        var sums: [String: Int64] = [:]
        for row in try await postgres.query(
            "SELECT bucket, coalesce(sum(amount_fen), 0)::bigint AS fen FROM postings WHERE account_id = \(id) GROUP BY bucket")
        {
            sums[try row.decode(String.self, column: "bucket")] = try row.decode(Int64.self, column: "fen")
        }
        let agrees = sums["available", default: 0] == available && sums["frozen", default: 0] == frozen
        let orders = try await postgres.query(
            """
            SELECT order_id, kind, status, amount_fen, channel, created_at FROM orders WHERE owner_account = \(id)
            ORDER BY created_at DESC LIMIT 20
            """)
        let orderLines = try orders.map { row -> HTML in
            """
            <tr><td><code>\(try row.decode(String.self, column: "order_id"))</code></td><td>\(try row.decode(String.self, column: "kind"))</td>\
            <td class="status">\(try row.decode(String.self, column: "status"))</td>\
            <td class="amount">\(ConsoleFormat.yuan(try row.decode(Int64.self, column: "amount_fen")))</td>\
            <td>\(try row.decode(String?.self, column: "channel"))</td><td>\(ConsoleFormat.time(try row.decode(Date.self, column: "created_at")))</td></tr>
            """
        }
        let postings = try await postgres.query(
            """
            SELECT p.posting_id, e.entry_id, e.kind, e.order_id, e.idempotency_key, e.created_at, p.bucket, p.amount_fen
            FROM postings p JOIN journal_entries e ON e.entry_id = p.entry_id
            WHERE p.account_id = \(id) AND (\(before)::bigint IS NULL OR p.posting_id < \(before))
            ORDER BY p.posting_id DESC LIMIT 100
            """)
        var last: Int64?
        let postingLines = try postings.map { row -> HTML in
            let fen = try row.decode(Int64.self, column: "amount_fen")
            last = try row.decode(Int64.self, column: "posting_id")
            return """
                <tr><td>\(ConsoleFormat.time(try row.decode(Date.self, column: "created_at")))</td><td>\(try row.decode(Int64.self, column: "entry_id"))</td>\
                <td>\(try row.decode(String.self, column: "kind"))</td><td><code>\(try row.decode(String.self, column: "order_id"))</code></td>\
                <td>\(try row.decode(String.self, column: "bucket"))</td><td class="amount">\(fen > 0 ? "+" : "")\(ConsoleFormat.yuan(fen))</td>\
                <td><code>\(try row.decode(String.self, column: "idempotency_key"))</code></td></tr>
                """
        }
        let more: HTML =
            postings.count == 100
            ? "<a id=\"older\" href=\"\(ConsoleFormat.link("/console/accounts", [("account", id), ("before", last.map { String($0) })]))\">Older postings</a>"
            : .empty
        return """
            <table id="balance"><thead><tr><th class="amount">Available (CNY)</th><th class="amount">Frozen (CNY)</th>\
            <th>Postings agree</th><th>Opened</th><th>Last change</th></tr></thead><tbody><tr>\
            <td class="amount" id="available">\(ConsoleFormat.yuan(available))</td><td class="amount" id="frozen">\(ConsoleFormat.yuan(frozen))</td>\
            <td id="agrees">\(agrees ? "yes" : "NO: postings sum to \(ConsoleFormat.yuan(sums["available", default: 0])) / \(ConsoleFormat.yuan(sums["frozen", default: 0]))")</td>\
            <td>\(ConsoleFormat.time(try balance.decode(Date.self, column: "created_at")))</td>\
            <td>\(ConsoleFormat.time(try balance.decode(Date.self, column: "updated_at")))</td></tr></tbody></table>
            <h2>Latest orders</h2>
            <table id="orders"><thead><tr><th>Order</th><th>Kind</th><th>Status</th><th class="amount">Amount (CNY)</th><th>Channel</th>\
            <th>Created</th></tr></thead><tbody>\(HTML.list(orderLines, or: "<tr><td colspan=\"6\" class=\"muted\">No orders.</td></tr>"))</tbody></table>
            <h2>Ledger history</h2>
            <table id="postings"><thead><tr><th>When</th><th>Entry</th><th>Kind</th><th>Order</th><th>Bucket</th><th class="amount">Amount (CNY)</th>\
            <th>Idempotency key</th></tr></thead><tbody>\(HTML.list(postingLines, or: "<tr><td colspan=\"7\" class=\"muted\">No postings.</td></tr>"))</tbody></table>\(more)
            """
    }
}
