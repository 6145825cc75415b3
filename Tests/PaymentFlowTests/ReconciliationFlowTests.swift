import Foundation
import PaystreamCore
import PaystreamRuntime
import Postgres
import TestSupport
import Testing

/// Reconciliation end to end: recharges paid in the sandbox and credited by the worker; the sandbox injects one
/// of each kind of difference into the day's WeChat Pay bill; `paystream recon run` (a real process downloading
/// through the channels' real bill APIs) reports exactly those; the cross-day payment is held and matched by the
/// next day's run; a re-run is recorded beside the first; the scheduler's daily job runs a day once; an admin
/// resolves a difference with a correcting entry; `paystream recon internal` names a balance edited behind the
/// ledger's back.
@Suite(.serialized) struct ReconciliationFlowTests {
    struct Outcome {
        let status: Int32
        let output: String
        /// The JSON line of the output, parsed.
        var json: [String: Any] {
            for line in output.split(separator: "\n") where line.hasPrefix("{") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { return object }
            }
            return [:]
        }
        /// Runs of `recon run --json`, by channel.
        var runs: [String: [String: Any]] {
            let list = json["runs"] as? [[String: Any]] ?? []
            return Dictionary(list.map { ($0["channel"] as? String ?? "?", $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// `paystream <arguments>` against the harness's database; `password` is its standard input (the `--by` admin's
    /// password, for the commands that record an admin's decision).
    static func paystream(_ h: FlowHarness, _ arguments: [String], password: String = ProvisionedIdentities.password) async throws -> Outcome {
        let process = try ManagedProcess(
            executable: "paystream", arguments: arguments + ["--pg-url", h.database.url, "--log-format", "text"], name: "paystream-recon",
            standardInput: password + "\n")
        let status = await process.waitForExit(timeoutSeconds: 120)
        return Outcome(status: status, output: (try? String(contentsOf: process.logFile, encoding: .utf8)) ?? "")
    }

    /// A correction as two operators make it: `ops-admin` proposes it, and, if that was accepted, `ops-second` approves
    /// it. The outcome of the proposal when it was refused, else of the approval.
    static func correct(_ h: FlowHarness, item: Int, reason: String, debit: String, credit: String, fen: String) async throws -> Outcome {
        for login in ["ops-admin", "ops-second"] { _ = try await h.identities.session(login: login, role: .admin, account: nil) }
        let proposed = try await paystream(h, [
            "recon", "resolve", "--item", "\(item)", "--by", "ops-admin", "--reason", reason, "--debit", debit, "--credit", credit, "--amount-fen", fen,
        ])
        guard proposed.status == 0 else { return proposed }
        let proposal = try #require(proposed.output.firstMatch(of: /proposal (\d+)\)/)?.1, "\(proposed.output)")
        #expect(proposed.output.contains("another operator posts it"), "\(proposed.output)")
        return try await paystream(h, ["recon", "approve", "--proposal", String(proposal), "--by", "ops-second"])
    }

    static func recon(_ h: FlowHarness, day: String, channel: String = "wechat") async throws -> Outcome {
        try await paystream(h, ["recon", "run", "--date", day, "--channel", channel, "--sandbox-state-dir", h.stateDirectory.path, "--json"])
    }

    /// classification by order number (the key without its `payment:` prefix).
    static func classifications(_ run: [String: Any]?) -> [String: String] {
        var out: [String: String] = [:]
        for item in run?["items"] as? [[String: Any]] ?? [] {
            let key = item["key"] as? String ?? ""
            out[String(key.drop { $0 != ":" }.dropFirst())] = item["classification"] as? String
        }
        return out
    }

    static func item(_ run: [String: Any]?, _ number: String) -> [String: Any]? {
        (run?["items"] as? [[String: Any]])?.first { $0["key"] as? String == "payment:\(number)" }
    }

    @Test func injectedDifferencesAreReportedExactlyAndHeldAcrossDays() async throws {
        try await FlowHarness.run { h in
            let user = "user:recon\(h.prefix.suffix(6))"
            var orders: [String: String] = [:]
            for name in ["ok", "missing", "amount", "status", "cross"] {
                let reply = try await h.post("/v1/recharges", #"{"amountFen":1000,"channel":"wechat"}"#, as: user)
                guard let order = reply.string("orderId") else { throw HarnessError("recharge refused: \(reply.text)") }
                orders[name] = order
                try await h.pay("wechat", order)
            }
            let alipay = try await h.post("/v1/recharges", #"{"amountFen":500,"channel":"alipay"}"#, as: user)
            let alipayOrder = try #require(alipay.string("orderId"))
            try await h.pay("alipay", alipayOrder)
            for order in orders.values + [alipayOrder] { #expect(await h.waitFor(order, status: "paid")) }
            // A withdrawal paid out through Bill99, which has no bill file: its query is the channel's side.
            let card = try await h.bindCard(as: user)
            let withdrawal = try await h.post(
                "/v1/withdrawals", #"{"amountFen":2000,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            let payoutOrder = try #require(withdrawal.string("orderId"), "\(withdrawal.text)")
            #expect(await h.waitFor(payoutOrder, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(payoutOrder)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(payoutOrder, status: "paidOut"))
            // Partial refunds through each channel: refund rows on the bills, matched by out refund number.
            var refunds: [String: String] = [:]
            for (channel, order, fen) in [("wechat", orders["ok"]!, 300), ("alipay", alipayOrder, 100)] {
                let refund = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":\#(fen)}"#, as: user)
                let id = try #require(refund.string("refundOrderId"), "\(refund.text)")
                refunds[channel] = id
                #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(id)", as: user).string("channelState")) == "succeeded" })
            }

            let day = ReconDays.shanghai(Date())
            let nextDay = try #require(ReconDays.adjacent(day, by: 1))
            let extra = "EXTRA\(h.prefix.suffix(8))"
            for body in [
                #"{"channel":"wechat","date":"\#(day)","kind":"missingOnChannel","outTradeNo":"\#(orders["missing"]!)"}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"amountDiffers","outTradeNo":"\#(orders["amount"]!)","amountFen":999}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"statusDiffers","outTradeNo":"\#(orders["status"]!)","status":"REVOKED"}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"crossDay","outTradeNo":"\#(orders["cross"]!)"}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"missingOnPlatform","outTradeNo":"\#(extra)","amountFen":777}"#,
            ] {
                let stored = try await h.sandbox(.POST, "/sandbox/bills/inject", body)
                #expect(stored.status == 200, "\(stored.text)")
            }

            // A channel that answers "no bill" for a day the platform booked payments on has not made the bill yet:
            // nothing is recorded (an empty bill would report every booking as missing), and the day is run again later.
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"bills":{"notOut":true}}"#).status == 200)
            for channel in ["wechat", "alipay"] {
                let early = try await Self.recon(h, day: day, channel: channel)
                #expect(early.status != 0 && early.output.contains("the bill is not out yet"), "\(early.output)")
            }
            #expect(try await h.count("SELECT count(*) FROM recon_runs") == 0)
            // A day with nothing booked and no bill is an empty day.
            let quietDay = try #require(ReconDays.adjacent(day, by: -20))
            let quiet = try await Self.recon(h, day: quietDay)
            #expect(quiet.status == 0 && quiet.runs["wechat"]?["billRows"] as? Int == 0, "\(quiet.output)")
            #expect(try await h.sandbox(.POST, "/sandbox/faults", "{}").status == 200)

            // The day's run reports exactly the injected differences, holds the cross-day payment, and nothing else.
            let first = try await Self.recon(h, day: day)
            #expect(first.status == 1, "\(first.output)")
            let wechat = first.runs["wechat"]
            #expect(Self.classifications(wechat) == [
                orders["ok"]!: "matched", orders["missing"]!: "platformOnly", orders["amount"]!: "amountDiffers",
                orders["status"]!: "statusDiffers", orders["cross"]!: "held", extra: "channelOnly", refunds["wechat"]!: "matched",
            ], "\(first.output)")
            #expect(wechat?["differences"] as? Int == 4)
            #expect(Self.item(wechat, orders["amount"]!)?["channelAmountFen"] as? Int == 999)
            #expect(Self.item(wechat, orders["amount"]!)?["platformAmountFen"] as? Int == 1000)
            #expect(Self.item(wechat, extra)?["channelAmountFen"] as? Int == 777)
            #expect(Self.item(wechat, orders["status"]!)?["channelStatus"] as? String == "REVOKED")

            // Alipay's real bill layout, through alipay.data.dataservice.bill.downloadurl.query: all matched.
            let alipayRun = try await Self.recon(h, day: day, channel: "alipay")
            #expect(alipayRun.status == 0, "\(alipayRun.output)")
            #expect(Self.classifications(alipayRun.runs["alipay"]) == [alipayOrder: "matched", refunds["alipay"]!: "matched"], "\(alipayRun.output)")
            let bill99Run = try await Self.recon(h, day: day, channel: "bill99")
            #expect(bill99Run.status == 0, "\(bill99Run.output)")
            #expect(Self.classifications(bill99Run.runs["bill99"]) == [payoutOrder: "matched"], "\(bill99Run.output)")

            // Running the day again replaces nothing: a new run, pointing at the first, with no change.
            let again = try await Self.recon(h, day: day)
            let firstID = try #require(wechat?["runId"] as? Int)
            #expect(again.runs["wechat"]?["previousRunId"] as? Int == firstID)
            #expect((again.runs["wechat"]?["changes"] as? [Any])?.isEmpty == true)
            #expect(try await h.count("SELECT count(*) FROM recon_runs WHERE channel = 'wechat' AND bill_day = '\(day)'") == 2)
            #expect(try await h.count("SELECT count(*) FROM recon_items WHERE run_id = \(firstID)") == 7)

            // The next day's run matches the held payment with the next day's bill, and reports nothing.
            let next = try await Self.recon(h, day: nextDay)
            #expect(next.status == 0, "\(next.output)")
            #expect(Self.classifications(next.runs["wechat"]) == [orders["cross"]!: "matched"], "\(next.output)")
            #expect((Self.item(next.runs["wechat"], orders["cross"]!)?["note"] as? String)?.contains("cross-day") == true)

            // The scheduler's daily job runs a day once per channel.
            let scheduled = try await h.runSchedulerOnce(["--recon-date", day, "--recon-channels", "wechat"])
            #expect(scheduled.status == 0, "\(scheduled.output)")
            let repeated = try await h.runSchedulerOnce(["--recon-date", day, "--recon-channels", "wechat"])
            #expect(repeated.output.contains("done already"), "\(repeated.output)")
            #expect(try await h.count("SELECT count(*) FROM recon_runs WHERE trigger = 'schedule'") == 1)

            // An admin resolves the amount difference with a correcting entry: the user was credited 1 fen more
            // than the channel settled. A matched item cannot be "resolved".
            let amountItem = try #require(Self.item(wechat, orders["amount"]!)?["itemId"] as? Int)
            // A correction is bounded by its difference: between this channel's clearing account and one other
            // account, for at most the item's larger amount. Each refusal changes nothing.
            for (debit, credit, fen) in [
                ("\(user):available", "user:someone-else:available", "1"), ("\(user):available", "clearing:alipay:available", "1"),
                ("\(user):available", "clearing:wechat:available", "5000000"),
            ] {
                let refused = try await Self.correct(h, item: amountItem, reason: "out of bounds", debit: debit, credit: credit, fen: fen)
                #expect(refused.status == 2 && refused.output.contains("a correction of item \(amountItem) moves"), "\(refused.output)")
            }
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'correction'") == 0)
            // One operator alone moves nothing: the proposer's own approval is refused, and a second operator's posts it.
            // Each --by is a login proved by its password: a name alone, or the wrong password, records nothing.
            for login in ["ops-admin", "ops-second"] { _ = try await h.identities.session(login: login, role: .admin, account: nil) }
            let proposed = try await Self.paystream(h, [
                "recon", "resolve", "--item", "\(amountItem)", "--by", "ops-admin", "--reason", "channel settled 9.99",
                "--debit", "\(user):available", "--credit", "clearing:wechat:available", "--amount-fen", "1",
            ])
            #expect(proposed.status == 0, "\(proposed.output)")
            let proposal = String(try #require(proposed.output.firstMatch(of: /proposal (\d+)\)/)?.1, "\(proposed.output)"))
            #expect(try await h.balance(user) == (3100, 0))
            let pending = try await Self.paystream(h, ["recon", "show", "--date", day, "--json"])
            let pendingRun = (pending.json["runs"] as? [[String: Any]] ?? []).last { $0["channel"] as? String == "wechat" }
            #expect((Self.item(pendingRun, orders["amount"]!)?["proposal"] as? [String: Any])?["proposedBy"] as? String == "ops-admin", "\(pending.output)")
            for (login, password) in [("ops-second", "not-the-password"), ("ops-ghost", ProvisionedIdentities.password)] {
                let unproved = try await Self.paystream(h, ["recon", "approve", "--proposal", proposal, "--by", login], password: password)
                #expect(unproved.status == 2 && unproved.output.contains("wrong login or password"), "\(unproved.output)")
            }
            #expect(try await h.count("SELECT count(*) FROM recon_correction_decisions") == 0)
            let byProposer = try await Self.paystream(h, ["recon", "approve", "--proposal", proposal, "--by", "ops-admin"])
            #expect(byProposer.status == 2 && byProposer.output.contains("another operator"), "\(byProposer.output)")
            let resolved = try await Self.paystream(h, ["recon", "approve", "--proposal", proposal, "--by", "ops-second"])
            #expect(resolved.status == 0, "\(resolved.output)")
            // The command line's decisions are in the operators' audit trail, the refused one too.
            for (admin, action, outcome) in [("ops-admin", "recon.propose", "done"), ("ops-admin", "recon.approve", "refused"), ("ops-second", "recon.approve", "done")] {
                #expect(try await h.count(
                    "SELECT count(*) FROM console_audit WHERE admin_login = '\(admin)' AND action = '\(action)' AND outcome = '\(outcome)' AND subject LIKE '%' AND detail LIKE 'command line:%'") >= 1,
                    "\(admin) \(action) \(outcome)")
            }
            #expect(try await h.balance(user) == (3099, 0))
            #expect(try await h.balance("clearing:wechat") == (-4699, 0))
            let entryKey = "recon-resolution:wechat:payment:\(orders["amount"]!)"
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'correction' AND idempotency_key = '\(entryKey)'") == 1)
            #expect(try await h.count("SELECT count(*) FROM recon_resolutions WHERE resolved_by = 'ops-second' AND action = 'ledgerCorrection' AND proposal_id = \(proposal)") == 1)
            let shown = try await Self.paystream(h, ["recon", "show", "--date", day, "--json"])
            let lastWeChat = (shown.json["runs"] as? [[String: Any]] ?? []).last { $0["channel"] as? String == "wechat" }
            #expect((Self.item(lastWeChat, orders["amount"]!)?["resolution"] as? String)?.contains("by ops-second: ledgerCorrection") == true,
                    "\(shown.output)")
            let twice = try await Self.paystream(h, ["recon", "resolve", "--item", "\(amountItem)", "--by", "ops-admin", "--reason", "again"])
            #expect(twice.status == 2, "\(twice.output)")
            let okItem = try #require(Self.item(wechat, orders["ok"]!)?["itemId"] as? Int)
            let notADifference = try await Self.paystream(h, ["recon", "resolve", "--item", "\(okItem)", "--by", "ops-admin", "--reason", "x"])
            #expect(notADifference.status == 2, "\(notADifference.output)")

            // A later run reports the same difference again: it is acknowledged, not corrected a second time. A payment
            // the channel has and the ledger has not booked yet (its order still `created`: its notify lost, and the
            // poller not asking) takes no correction either: its own event books it, once.
            let unpaid = try #require(try await h.post("/v1/recharges", #"{"amountFen":1000,"channel":"wechat"}"#, as: user).string("orderId"))
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"notify":{"drop":true}}"#).status == 200)
            #expect(try await h.pay("wechat", unpaid).status == 200)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", "{}").status == 200)
            // And one paid for less than ordered: held for review, so no event will ever book it.
            let short = try #require(try await h.post("/v1/recharges", #"{"amountFen":1000,"channel":"wechat"}"#, as: user).string("orderId"))
            #expect(try await h.pay("wechat", short, amountFen: 900).status == 200)
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT count(*) FROM payment_reviews WHERE order_id = '\(short)'")) == 1
            })
            let third = try await Self.recon(h, day: day)
            let balances = (try await h.balance(user), try await h.balance("clearing:wechat"))
            for (number, refusal) in [(orders["amount"]!, "corrected already"), (unpaid, "still waiting for its payment event")] {
                let itemID = try #require(Self.item(third.runs["wechat"], number)?["itemId"] as? Int, "\(third.output)")
                let corrected = try await Self.correct(
                    h, item: itemID, reason: "again", debit: "clearing:wechat:available", credit: "\(user):available", fen: "1")
                #expect(corrected.status == 2 && corrected.output.contains(refusal), "\(corrected.output)")
            }
            let userAfter = try await h.balance(user), clearingAfter = try await h.balance("clearing:wechat")
            #expect(userAfter == balances.0 && clearingAfter == balances.1)
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'correction'") == 1)
            #expect(try await h.orderStatus(unpaid) == "created")
            // What the refusal points to: the channel is asked, and the payment booked through its own event, once.
            let requery = try await h.runOperator(["recon", "requery", "--order", unpaid])
            #expect(requery.status == 0 && requery.output.contains("\(unpaid): paid"), "\(requery.output)")
            #expect(await h.waitFor(unpaid, status: "paid"))
            #expect(try await h.balance(user) == (balances.0.available + 1000, balances.0.frozen))
            let secondAsk = try await h.runOperator(["recon", "requery", "--order", unpaid])
            #expect(secondAsk.status == 0 && secondAsk.output.contains("paid already"), "\(secondAsk.output)")
            // The held one is the operator's: asking again holds it again, and a correction credits what was paid.
            let held = try await h.runOperator(["recon", "requery", "--order", short])
            #expect(held.status == 0 && held.output.contains("\(short): heldForReview"), "\(held.output)")
            let heldItem = try #require(Self.item(third.runs["wechat"], short)?["itemId"] as? Int, "\(third.output)")
            // The console lists it among the held payments, open until a correction credits it.
            _ = try await h.identities.session(login: "ops-held", role: .admin, account: nil)
            let cookie = try await ConsoleFlowTests.signIn(h, as: "ops-held")
            func heldRow() async throws -> Substring? {
                let page = try await ConsoleFlowTests.send(.GET, h.apiURL + "/console/held-payments", headers: ["Cookie": cookie])
                #expect(page.status == 200, "\(page.status)")
                guard let start = page.text.range(of: "<code>\(short)</code>") else { return nil }
                return page.text[start.lowerBound...].prefix { $0 != "\n" }.split(separator: "</tr>").first
            }
            let open = try #require(try await heldRow())
            #expect(open.contains("9.00") && open.contains("10.00") && open.contains(">open<") && open.contains(user), "\(open)")
            let before = try await h.balance(user)
            let credited = try await Self.correct(
                h, item: heldItem, reason: "paid 9.00 of 10.00; credited what was paid", debit: "clearing:wechat:available",
                credit: "\(user):available", fen: "900")
            #expect(credited.status == 0, "\(credited.output)")
            #expect(try await h.balance(user) == (before.available + 900, before.frozen))
            let closed = try #require(try await heldRow())
            #expect(closed.contains("credited by correction") && closed.contains("recon-resolution:wechat:payment:\(short)"), "\(closed)")

            // Internal reconciliation: clean, then a balance changed behind the ledger's back is named.
            let clean = try await Self.paystream(h, ["recon", "internal", "--json"])
            #expect(clean.status == 0, "\(clean.output)")
            #expect(clean.json["clean"] as? Bool == true)
            _ = try await h.database.client.execute("UPDATE accounts SET available_fen = available_fen + 5 WHERE account_id = \(user)")
            let broken = try await Self.paystream(h, ["recon", "internal", "--json"])
            #expect(broken.status == 1, "\(broken.output)")
            let named = (broken.json["violations"] as? [[String: Any]] ?? []).map { "\($0["rule"] ?? "") \($0["subject"] ?? "")" }
            #expect(Set(named) == ["account.bucket_mismatch account \(user)", "account.reconciliation account \(user)"], "\(broken.output)")
            #expect(try await h.count("SELECT count(*) FROM recon_internal_runs WHERE violations > 0") == 1)
            // Put the row back so the harness's final ledger check sees the ledger as it really is.
            _ = try await h.database.client.execute("UPDATE accounts SET available_fen = available_fen - 5 WHERE account_id = \(user)")
        }
    }
}
