import AsyncHTTPClient
import EventBus
import Foundation
import Kafka
import NIOHTTP1
import PaystreamCore
import PaystreamRuntime
import TestSupport
import Testing

/// The back-office console, as operators use it: in a real headless Chromium (Tests/Browser/console_walkthrough.py)
/// against the real API, worker and sandbox. The test makes the money situations (a withdrawal waiting for
/// review, a transfer dead-lettered for want of funds and then funded, a payment on the channel's bill the
/// platform never booked), the browser signs in, approves, watches the payout settle, replays the letter,
/// resolves the difference with a correcting entry and reads the account and the audit trail; then the test
/// checks the ledger: each action took effect exactly once, by that operator, and the ledger verifies clean.
/// The refusals are checked over plain HTTP: no session, no CSRF token, a cross-site form.
@Suite(.serialized) struct ConsoleFlowTests {
    /// Screenshots go here when PAYSTREAM_CONSOLE_SCREENSHOTS names a directory (docs/console to refresh the
    /// documentation's), else to a temporary directory.
    static var screenshotDirectory: String {
        ProcessInfo.processInfo.environment["PAYSTREAM_CONSOLE_SCREENSHOTS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)").path
    }

    @Test func anOperatorApprovesReplaysAndResolvesInARealBrowser() async throws {
        try await FlowHarness.run { h in
            let user = "user:console\(h.prefix.suffix(6))"
            let payer = "user:sender\(h.prefix.suffix(6))", payee = "user:payee\(h.prefix.suffix(6))"
            let operatorLogin = "ops-console", approverLogin = "ops-checker"
            _ = try await h.identities.session(login: operatorLogin, role: .admin, account: nil)
            _ = try await h.identities.session(login: approverLogin, role: .admin, account: nil)

            // A withdrawal waiting for review: recharged, card bound, requested (frozen).
            let recharge = try await h.post("/v1/recharges", #"{"amountFen":5000,"channel":"wechat"}"#, as: user)
            let rechargeOrder = try #require(recharge.string("orderId"), "\(recharge.text)")
            try await h.pay("wechat", rechargeOrder)
            #expect(await h.waitFor(rechargeOrder, status: "paid"))
            let card = try await h.bindCard(as: user)
            let withdrawal = try await h.post("/v1/withdrawals", #"{"amountFen":2000,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            let withdrawalOrder = try #require(withdrawal.string("orderId"), "\(withdrawal.text)")
            #expect(await h.waitFor(withdrawalOrder, status: "requested"))

            // A dead letter: a transfer of 15.00 from 10.00 frozen is refused by the worker; then the sender is
            // funded again, so that the replay can succeed.
            let producer = try KafkaTestCluster.producer()
            func produce(_ event: MoneyEvent, _ stem: String) async throws {
                _ = try await producer.sendAll([
                    KafkaOutgoingMessage(topic: "\(h.prefix).\(stem)", key: Array(event.payload.orderKey.utf8), value: event.encode())
                ])
            }
            func payment(_ order: String) throws -> MoneyEvent {
                try MoneyEvent(
                    payload: .paymentSucceeded(PaymentSucceeded(
                        orderID: order, channel: .wechat, channelTransactionID: "wx-\(order)", amount: Amount(fen: 1_000),
                        payer: AccountID(payer)!, purpose: .envelope)),
                    occurredAt: Date())
            }
            try await produce(try payment("ce1-\(h.prefix)"), "payment.callbacks")
            #expect(await eventually { (try? await h.balance(payer).frozen) == 1_000 })
            let transferOrder = "ct-\(h.prefix)"
            try await produce(
                try MoneyEvent(
                    payload: .transferRequested(TransferRequested(
                        orderID: transferOrder, from: AccountID(payer)!, to: AccountID(payee)!, amount: Amount(fen: 1_500))),
                    occurredAt: Date()),
                "transfer.requests")
            let dlq = "\(h.prefix).transfer.requests.dlq"
            var letters: [KafkaMessage] = []
            let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
            #expect(await eventually {
                letters = (try? await reader.readAll(topic: dlq, timeoutMilliseconds: 10_000)) ?? []
                return letters.count == 1
            })
            await reader.close()
            let letter = try #require(letters.first)
            try await produce(try payment("ce2-\(h.prefix)"), "payment.callbacks")
            #expect(await eventually { (try? await h.balance(payer).frozen) == 2_000 })
            await producer.shutdown()

            // A difference: a 7.77 payment on today's WeChat bill that the platform never booked.
            let day = ReconDays.shanghai(Date())
            let stray = "STRAY\(h.prefix.suffix(8))"
            let injected = try await h.sandbox(
                .POST, "/sandbox/bills/inject",
                #"{"channel":"wechat","date":"\#(day)","kind":"missingOnPlatform","outTradeNo":"\#(stray)","amountFen":777}"#)
            #expect(injected.status == 200, "\(injected.text)")
            let run = try await ReconciliationFlowTests.recon(h, day: day)
            let strayItem = try #require(ReconciliationFlowTests.item(run.runs["wechat"], stray)?["itemId"] as? Int, "\(run.output)")

            // The refusals, over plain HTTP, change nothing.
            try await Self.refusals(h, order: withdrawalOrder)

            // The operator's walk, in the browser.
            let (before, _) = try await h.balance(user)
            let spec: [String: Any] = [
                "url": h.apiURL, "login": operatorLogin, "password": ProvisionedIdentities.password, "account": user,
                "withdrawal": withdrawalOrder, "letter": "letter-\(letter.topic)-\(letter.partition)-\(letter.offset)",
                "day": day, "item": strayItem, "screenshots": Self.screenshotDirectory,
                "correction": ["debit": "clearing:wechat:available", "credit": "\(user):available", "amountFen": "777"],
                "approver": approverLogin,
            ]
            let walk = try await Self.browser(spec)
            #expect(walk.status == 0, "\(walk.output)")

            // Each action took effect once, by the operator.
            #expect(await h.waitFor(withdrawalOrder, status: "paidOut"))
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(withdrawalOrder)' AND reviewed_by = '\(operatorLogin)'") == 1)
            #expect(await eventually { (try? await h.balance(payee).available) == 1_500 })
            #expect(try await h.balance(payer) == (0, 500))
            #expect(try await h.count(
                "SELECT count(*) FROM dead_letter_actions WHERE dlq_topic = '\(dlq)' AND dlq_offset = \(letter.offset) AND action = 'replayed' AND actor = '\(operatorLogin)'") == 1)
            // The correction was proposed by one operator and approved, then posted, by the other.
            #expect(try await h.count(
                "SELECT count(*) FROM recon_resolutions r JOIN recon_correction_proposals p ON p.proposal_id = r.proposal_id WHERE r.item_id = \(strayItem) AND r.resolved_by = '\(approverLogin)' AND p.proposed_by = '\(operatorLogin)' AND r.action = 'ledgerCorrection'") == 1)
            #expect(try await h.balance(user).available == before + 777)
            for (admin, action) in [
                (operatorLogin, "withdrawal.approve"), (operatorLogin, "deadLetter.replay"), (operatorLogin, "recon.propose"), (approverLogin, "recon.approve"),
            ] {
                #expect(try await h.count("SELECT count(*) FROM console_audit WHERE admin_login = '\(admin)' AND action = '\(action)' AND outcome = 'done'") == 1, "\(action)")
            }
            #expect(try await h.count("SELECT count(*) FROM console_audit WHERE action = 'signIn' AND outcome = 'refused' AND admin_login = '\(operatorLogin)'") >= 1)
            // The audit trail is append-only.
            await #expect(throws: (any Error).self) { _ = try await h.database.client.execute("DELETE FROM console_audit") }
            await #expect(throws: (any Error).self) { _ = try await h.database.client.execute("TRUNCATE console_audit") }
            await #expect(throws: (any Error).self) { _ = try await h.database.client.execute("UPDATE console_audit SET outcome = 'done'") }
        }
    }

    /// Without a session a page redirects to sign-in and an action is refused; with a session, an action without
    /// the CSRF token, or one a browser marks cross-site, is refused and audited; the withdrawal stays requested.
    static func refusals(_ h: FlowHarness, order: String) async throws {
        let page = try await Self.send(.GET, h.apiURL + "/console/withdrawals", headers: [:])
        #expect(page.status == 303 && page.headers["location"] == "/console/login", "\(page.status) \(page.headers)")
        let anonymous = try await Self.send(
            .POST, h.apiURL + "/console/withdrawals/\(order)/approve", body: Array("csrf=x".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(anonymous.status == 403)

        let cookie = try await Self.signIn(h, as: "ops-console")
        let queue = try await Self.send(.GET, h.apiURL + "/console/withdrawals", headers: ["Cookie": cookie])
        #expect(queue.status == 200 && queue.text.contains("withdrawal-\(order)"))
        #expect(queue.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        let csrf = try #require(queue.text.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)

        for (body, extra) in [("", [String: String]()), ("csrf=\(String(repeating: "0", count: 64))", [:]), ("csrf=\(csrf)", ["Sec-Fetch-Site": "cross-site"])] {
            let forged = try await Self.send(
                .POST, h.apiURL + "/console/withdrawals/\(order)/approve", body: Array(body.utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie].merging(extra) { $1 })
            #expect(forged.status == 403, "\(body) \(extra): \(forged.status)")
        }
        #expect(try await h.orderStatus(order) == "requested")
        #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(order)' AND reviewed_by IS NOT NULL") == 0)
        #expect(try await h.count("SELECT count(*) FROM console_audit WHERE action = 'withdrawal.approve' AND outcome = 'refused'") == 3)
        // A console session is not an API session, and the other way round.
        let bearer = try await Self.send(
            .GET, h.apiURL + "/v1/admin/withdrawals",
            headers: ["Authorization": "Bearer " + String(cookie.split(separator: "=", maxSplits: 1)[1])])
        #expect(bearer.status == 401)
        // Signing out revokes the session.
        let out = try await Self.send(
            .POST, h.apiURL + "/console/logout", body: Array("csrf=\(csrf)".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie])
        #expect(out.status == 303)
        let after = try await Self.send(.GET, h.apiURL + "/console/withdrawals", headers: ["Cookie": cookie])
        #expect(after.status == 303)
    }

    /// Signs in to the console as a browser would (the form's token and its cookie, then the session cookie) and
    /// answers the session cookie.
    static func signIn(_ h: FlowHarness, as login: String) async throws -> String {
        let form = try await Self.send(.GET, h.apiURL + "/console/login", headers: [:])
        let signInCookie = try #require(form.headers["set-cookie"]?.split(separator: ";").first.map(String.init), "\(form.headers)")
        let token = try #require(form.text.firstMatch(of: /name="csrf" value="([0-9a-f]{32})"/)?.1)
        let signedIn = try await Self.send(
            .POST, h.apiURL + "/console/login",
            body: Array("csrf=\(token)&login=\(login)&password=\(ConsoleFormatForTests.encode(ProvisionedIdentities.password))".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": signInCookie])
        #expect(signedIn.status == 303, "\(signedIn.text)")
        let session = try #require(signedIn.headers["set-cookie"], "\(signedIn.headers)")
        #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict"))
        return String(session.split(separator: ";")[0])
    }

    /// A payout the dispatcher holds is shown as held in the "approved" tab with a resolve form; the operator
    /// resolves it there, the action is audited, and the worker settles it.
    @Test func anOperatorResolvesAHeldPayoutInTheConsole() async throws {
        try await FlowHarness.run { h in
            _ = try await h.identities.session(login: "ops-resolve", role: .admin, account: nil)
            let (user, orders) = try await WithdrawalFlowTests.approvedCardWithdrawals(
                h, user: "crs", faults: #"{"notify":{"drop":true},"payouts":{"unknownToQueries":true,"refuseDuplicates":true}}"#)
            let order = orders[0]
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.get("/v1/withdrawals/\(order)", as: user).string("failureReason"))?.contains("holds no such payout") == true
            })
            let cookie = try await Self.signIn(h, as: "ops-resolve")
            let approved = try await Self.send(.GET, h.apiURL + "/console/withdrawals?status=approved", headers: ["Cookie": cookie])
            #expect(approved.status == 200 && approved.text.contains("id=\"resolve-\(order)\"") && approved.text.contains("held"), "\(approved.text)")
            let csrf = try #require(approved.text.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
            let body = "csrf=\(csrf)&outcome=paidOut&reason=\(ConsoleFormatForTests.encode("Bill99 statement shows it paid"))&channelReference=D77"
            let resolved = try await Self.send(
                .POST, h.apiURL + "/console/withdrawals/\(order)/resolve", body: Array(body.utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie])
            #expect(resolved.status == 303, "\(resolved.status) \(resolved.text)")
            #expect(await h.waitFor(order, status: "paidOut"))
            #expect(try await h.balance(user) == (38_000, 0))
            #expect(try await h.count("SELECT count(*) FROM console_audit WHERE action = 'withdrawal.resolve' AND outcome = 'done' AND subject = '\(order)'") == 1)
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(order)' AND resolved_by = 'ops-resolve' AND channel_payout_id = 'D77'") == 1)
            let paidTab = try await Self.send(.GET, h.apiURL + "/console/withdrawals?status=paidOut", headers: ["Cookie": cookie])
            #expect(paidTab.text.contains("resolved by ops-resolve"), "\(paidTab.text)")
        }
    }

    /// A client that reports redirects instead of following them, as the refusals are checked by their 303s
    /// (never shut down: it lives as long as the tests).
    static let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    static func send(_ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, headers: [String: String]) async throws -> FlowHarness.Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await noRedirects.execute(request, timeout: .seconds(90))
        let buffer = try await response.body.collect(upTo: 1 << 22)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return FlowHarness.Reply(status: Int(response.status.code), headers: fields, body: Array(buffer.readableBytesView))
    }

    /// Runs the browser walk-through; its JSON verdict is the output's last line.
    static func browser(_ spec: [String: Any]) async throws -> (status: Int32, output: String) {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Browser/console_walkthrough.py").path
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, json]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = await Task.detached { String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }.value
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

/// Form encoding for the test's own requests.
enum ConsoleFormatForTests {
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
