import Foundation
import Hummingbird
import PaystreamCore
import Reconciliation

/// Reconciliation runs: `GET /console/reconciliation?day=yyyy-MM-dd` (default: yesterday in Asia/Shanghai) shows
/// the day's runs of every channel with their differences; `POST /console/reconciliation/items/{itemId}/resolve`
/// (form `reason`, and for a correcting entry `debit`, `credit` as `account:bucket` with `amountFen`) acknowledges a
/// difference, or proposes its correction, through ``ReconResolutions``. A proposed correction is shown with who
/// proposed it; another operator approves it (`POST /console/reconciliation/proposals/{id}/approve`: the entry is
/// posted and the difference resolved) and anyone may decline it (`…/decline`, form `reason`). The proposer is
/// offered no approve button, and the approval would be refused anyway.
extension ConsoleRoutes {
    func registerReconciliation(on router: Router<APIRequestContext>) {
        router.get("/console/reconciliation") { request, _ in
            await page(request) { signedIn, _ in
                let asked = request.consoleQuery("day")
                let day = asked ?? ReconDays.adjacent(ReconDays.shanghai(services.now()), by: -1) ?? ""
                guard ReconDays.adjacent(day, by: 0) != nil else {
                    throw APIError.badRequest("request.invalid_field", "day must be a date as yyyy-MM-dd")
                }
                let runs = try await ReconStore(client: services.store.postgres).runs(day: day)
                return ConsoleLayout.page(
                    "Reconciliation of \(day)", section: "/console/reconciliation", signedIn: signedIn, notice: Self.notice(request),
                    reconciliationContent(day: day, runs: runs, signedIn: signedIn))
            }
        }
        router.post("/console/reconciliation/items/:itemId/resolve") { request, context in
            let item = context.parameters.get("itemId") ?? ""
            return await action(request, name: "recon.resolve", subject: "item \(item)") { signedIn, form, correlationID in
                guard let itemID = Int64(item), itemID > 0 else { throw APIError.notFound("recon.item_not_found", "no recon item \(item)") }
                let reason = try InputText.required(form["reason"], field: "reason", maxCharacters: 200)
                let resolutions = ReconResolutions(client: services.store.postgres)
                let day = form.text("day").flatMap { ReconDays.adjacent($0, by: 0) }
                if let correction = try Self.correction(form) {
                    let proposal: ReconResolutions.Proposal
                    do {
                        proposal = try await resolutions.propose(itemID: itemID, by: signedIn.login, reason: reason, correction: correction)
                    } catch let refusal as ReconResolutions.Refusal {
                        throw APIError.conflict("recon.not_resolvable", refusal.description)
                    }
                    let audited = await audit.record(
                        admin: signedIn.login, action: "recon.propose", subject: "item \(itemID)", outcome: .done,
                        detail: "proposal \(proposal.proposalID): \(correction.amountFen) fen \(correction.debit.account):\(correction.debit.bucket.rawValue) -> "
                            + "\(correction.credit.account):\(correction.credit.bucket.rawValue): \(reason)",
                        correlationID: correlationID)
                    return Self.doneRedirect(
                        "/console/reconciliation", [("day", day), ("done", "proposed"), ("subject", "item \(itemID)")], audited: audited)
                }
                let resolution: ReconResolutions.Resolution
                do {
                    resolution = try await resolutions.resolve(itemID: itemID, by: signedIn.login, reason: reason)
                } catch let refusal as ReconResolutions.Refusal {
                    throw APIError.conflict("recon.not_resolvable", refusal.description)
                }
                let audited = await audit.record(
                    admin: signedIn.login, action: "recon.resolve", subject: "item \(itemID)", outcome: .done,
                    detail: "acknowledged (resolution \(resolution.resolutionID)): \(reason)", correlationID: correlationID)
                return Self.doneRedirect(
                    "/console/reconciliation", [("day", day), ("done", "resolved"), ("subject", "item \(itemID)")], audited: audited)
            }
        }
        router.post("/console/reconciliation/proposals/:proposalId/:decision") { request, context in
            let proposal = context.parameters.get("proposalId") ?? "", decision = context.parameters.get("decision") ?? ""
            let name = decision == "approve" ? "recon.approve" : "recon.decline"
            return await action(request, name: name, subject: "proposal \(proposal)") { signedIn, form, correlationID in
                guard let proposalID = Int64(proposal), proposalID > 0, ["approve", "decline"].contains(decision) else {
                    throw APIError.notFound("recon.proposal_not_found", "no correction proposal \(proposal)")
                }
                let resolutions = ReconResolutions(client: services.store.postgres)
                let detail: String
                do {
                    if decision == "approve" {
                        let resolution = try await resolutions.approve(proposalID: proposalID, by: signedIn.login)
                        detail = "posted \(resolution.entryIdempotencyKey ?? "") (resolution \(resolution.resolutionID))"
                    } else {
                        let reason = try InputText.required(form["reason"], field: "reason", maxCharacters: 200)
                        try await resolutions.decline(proposalID: proposalID, by: signedIn.login, reason: reason)
                        detail = "declined: \(reason)"
                    }
                } catch let refusal as ReconResolutions.Refusal {
                    throw APIError.conflict("recon.not_resolvable", refusal.description)
                }
                let audited = await audit.record(
                    admin: signedIn.login, action: name, subject: "proposal \(proposalID)", outcome: .done, detail: detail,
                    correlationID: correlationID)
                let day = form.text("day").flatMap { ReconDays.adjacent($0, by: 0) }
                return Self.doneRedirect(
                    "/console/reconciliation",
                    [("day", day), ("done", decision == "approve" ? "correction-approved" : "correction-declined"), ("subject", "proposal \(proposalID)")],
                    audited: audited)
            }
        }
    }

    /// The correcting entry a resolve form asks for: none when debit, credit and amount are all blank.
    static func correction(_ form: ConsoleForm) throws(APIError) -> ReconResolutions.Correction? {
        let (debit, credit, amount) = (form.text("debit"), form.text("credit"), form.text("amountFen"))
        if debit == nil && credit == nil && amount == nil { return nil }
        guard let debit, let credit, let amount else {
            throw APIError.badRequest("request.missing_field", "a correction needs the debit, the credit and the amount")
        }
        guard let fen = Int64(amount), fen > 0, fen <= APIServices.maxAmountFen else {
            throw APIError.badRequest("amount.out_of_range", "the correction's amount must be 1...\(APIServices.maxAmountFen) fen")
        }
        return ReconResolutions.Correction(debit: try side(debit, "debit"), credit: try side(credit, "credit"), amountFen: fen)
    }

    /// `kind:name:bucket` → (account, bucket).
    private static func side(_ text: String, _ field: String) throws(APIError) -> (AccountID, Bucket) {
        guard let colon = text.lastIndex(of: ":"), let bucket = Bucket(rawValue: String(text[text.index(after: colon)...])),
            let account = AccountID(String(text[..<colon]))
        else { throw APIError.badRequest("request.invalid_field", "\(field) must be account:bucket, e.g. clearing:wechat:available") }
        return (account, bucket)
    }

    private func reconciliationContent(day: String, runs: [ReconRun], signedIn: ConsoleSessions.Operator) -> HTML {
        let previous = ReconDays.adjacent(day, by: -1) ?? day, next = ReconDays.adjacent(day, by: 1) ?? day
        let navigation: HTML = """
            <form class="filters" method="get" action="/console/reconciliation">\
            <a href="\(ConsoleFormat.link("/console/reconciliation", [("day", previous)]))">← \(previous)</a>\
            <input type="text" name="day" value="\(day)" maxlength="10" size="10"><button type="submit">Show</button>\
            <a href="\(ConsoleFormat.link("/console/reconciliation", [("day", next)]))">\(next) →</a></form>
            """
        guard !runs.isEmpty else { return navigation + "<p class=\"muted\" id=\"no-runs\">No reconciliation ran for this day.</p>" }
        return navigation + HTML.joined(runs.reversed().map { run in runSection(run, signedIn: signedIn) })
    }

    /// A correction waiting for a second operator: what it moves and who proposed it; for anyone else an approve button,
    /// and for everyone a decline (the proposer's is a withdrawal).
    private func proposalCell(_ proposal: ReconRun.PendingCorrection, day: String, signedIn: ConsoleSessions.Operator) -> HTML {
        let id = proposal.proposalID
        let what: HTML = """
            <span class="proposal" id="proposal-\(id)">correction \(id) proposed by \(proposal.proposedBy): \
            \(ConsoleFormat.yuan(proposal.amountFen)) from <code>\(proposal.debit)</code> to <code>\(proposal.credit)</code> \
            (\(proposal.reason))</span>
            """
        let approve: HTML =
            proposal.proposedBy == signedIn.login
            ? "<span class=\"muted\" id=\"proposal-\(id)-waiting\">waiting for another operator's approval</span>"
            : """
                <form method="post" action="/console/reconciliation/proposals/\(id)/approve">\(Self.csrfField(signedIn))\
                <input type="hidden" name="day" value="\(day)"><button type="submit" id="approve-proposal-\(id)">Approve</button></form>
                """
        return what + approve + """
            <form method="post" action="/console/reconciliation/proposals/\(id)/decline">\(Self.csrfField(signedIn))\
            <input type="hidden" name="day" value="\(day)">\
            <input type="text" name="reason" placeholder="why not" required maxlength="200" id="decline-reason-\(id)">\
            <button type="submit" id="decline-proposal-\(id)">\(proposal.proposedBy == signedIn.login ? "Withdraw" : "Decline")</button></form>
            """
    }

    private func runSection(_ run: ReconRun, signedIn: ConsoleSessions.Operator) -> HTML {
        let counts = ReconClassification.allCases.compactMap { kind -> String? in
            let n = run.count(kind)
            return n == 0 ? nil : "\(n) \(kind.rawValue)"
        }.joined(separator: ", ")
        let lines = run.differences.map { stored -> HTML in
            let item = stored.item
            let resolve: HTML =
                if let resolution = stored.resolution {
                    "<span class=\"resolution\">\(resolution)</span>"
                } else if let proposal = stored.proposal {
                    proposalCell(proposal, day: run.day, signedIn: signedIn)
                } else {
                    """
                    <form method="post" action="/console/reconciliation/items/\(stored.itemID)/resolve">\(Self.csrfField(signedIn))\
                    <input type="hidden" name="day" value="\(run.day)">\
                    <input type="text" name="reason" placeholder="reason" required maxlength="200" id="resolve-reason-\(stored.itemID)">\
                    <input type="text" name="debit" placeholder="debit account:bucket" maxlength="80" id="resolve-debit-\(stored.itemID)">\
                    <input type="text" name="credit" placeholder="credit account:bucket" maxlength="80" id="resolve-credit-\(stored.itemID)">\
                    <input type="text" name="amountFen" placeholder="fen" maxlength="10" size="6" id="resolve-amount-\(stored.itemID)">\
                    <button type="submit" id="resolve-\(stored.itemID)">Resolve</button></form>
                    """
                }
            return """
                <tr id="item-\(stored.itemID)"><td>\(stored.itemID)</td><td><code>\(item.key.description)</code></td>\
                <td class="status">\(item.classification.rawValue)</td>\
                <td class="amount">\(item.platform.map { ConsoleFormat.yuan($0.amountFen) } ?? "")</td>\
                <td class="amount">\(item.bill.map { ConsoleFormat.yuan($0.amountFen) } ?? "")</td>\
                <td>\(item.platform?.status ?? "")</td><td>\(item.bill?.status ?? "")</td><td>\(item.note ?? "")</td><td>\(resolve)</td></tr>
                """
        }
        let previous: HTML = run.previousRunID.map { " · again after run \($0), \(run.changes.count) changes" } ?? .empty
        return """
            <h2 id="run-\(run.runID)">\(run.channel.rawValue) · run \(run.runID) · \(run.trigger.rawValue)\(previous)</h2>
            <p class="muted">\(run.billRows) bill rows\(run.nextDayBill ? " and the next day's bill" : ""); \(counts.isEmpty ? "no items" : counts).</p>
            <table class="differences"><thead><tr><th>Item</th><th>Key</th><th>Difference</th><th class="amount">Platform</th>\
            <th class="amount">Channel</th><th>Platform status</th><th>Channel status</th><th>Note</th><th>Resolution</th></tr></thead><tbody>\
            \(HTML.list(lines, or: "<tr><td colspan=\"9\" class=\"muted\">No differences.</td></tr>"))</tbody></table>
            """
    }
}
