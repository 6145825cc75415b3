import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// The API as a contract, against the running system: cursor pagination, idempotent creation under
/// concurrency, and one correlation id followed from the HTTP request to the worker's log.
@Suite(.serialized) struct ContractFlowTests {
    @Test func listsPageWithCursorsAndConcurrentCreationsWithOneKeyMakeOneOrder() async throws {
        try await FlowHarness.run { h in
            let user = "user:page\(h.prefix.suffix(6))"
            var created: [String] = []
            for n in 0..<5 {
                let reply = try await h.post("/v1/recharges", #"{"amountFen":\#(100 + n),"channel":"wechat"}"#, as: user)
                created.append(try #require(reply.string("orderId")))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await h.get("/v1/orders?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), as: user)
                #expect(page.status == 200, "\(page.text)")
                seen += ((page.json["orders"] as? [[String: Any]]) ?? []).compactMap { $0["orderId"] as? String }
                cursor = page.string("nextCursor")
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == created.reversed(), "newest first, each once")
            let bad = try await h.get("/v1/orders?cursor=%%%", as: user)
            #expect(bad.status == 400 && bad.string("code") == "request.invalid_cursor")
            // A cursor forged from another account's order (newer than all of this user's) reads as one naming no
            // order: an empty page, which tells nothing of whether that order exists.
            let others = try await h.post("/v1/recharges", #"{"amountFen":321,"channel":"wechat"}"#, as: "user:other\(h.prefix.suffix(6))")
            let othersOrder = try #require(others.string("orderId"))
            let forged = Data(othersOrder.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            let forgedPage = try await h.get("/v1/orders?cursor=\(forged)", as: user)
            #expect(forgedPage.status == 200 && ((forgedPage.json["orders"] as? [[String: Any]]) ?? []).isEmpty, "\(forgedPage.text)")

            // Ten concurrent copies of one recharge and of one envelope send, each with one key: one order each.
            for (path, body) in [
                ("/v1/recharges", #"{"amountFen":777,"channel":"alipay"}"#),
                ("/v1/envelopes", #"{"totalFen":888,"shares":1,"receiver":"user:contract-friend","payWith":"wechat"}"#),
            ] {
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<10 {
                        group.addTask {
                            try await h.send(.POST, h.apiURL + path, json: body, headers: ["X-Paystream-Account": user, "Idempotency-Key": "k-\(path)"]).status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.allSatisfy { $0 == 201 || $0 == 409 }, "\(path): \(statuses)")
            }
            #expect(try await h.count("SELECT count(*) FROM orders WHERE amount_fen = 777") == 1)
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE total_fen = 888") == 1)
            let differentBody = try await h.send(
                .POST, h.apiURL + "/v1/envelopes", json: #"{"totalFen":999,"shares":1,"receiver":"user:contract-friend","payWith":"wechat"}"#,
                headers: ["X-Paystream-Account": user, "Idempotency-Key": "k-/v1/envelopes"])
            #expect(differentBody.status == 422, "\(differentBody.text)")
        }
    }

    @Test func aPaymentCanBeFollowedByItsCorrelationIDFromTheRequestToTheLedger() async throws {
        try await FlowHarness.run { h in
            let correlation = "corr-" + UUID().uuidString.prefix(8)
            let user = "user:corr\(h.prefix.suffix(6))"
            let traceID = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let traceparent = "00-\(traceID)-00f067aa0ba902b7-01"
            let reply = try await h.send(
                .POST, h.apiURL + "/v1/recharges", json: #"{"amountFen":321,"channel":"wechat"}"#,
                headers: ["X-Paystream-Account": user, "X-Request-Id": correlation, "traceparent": traceparent])
            #expect(reply.headers["x-request-id"] == correlation)
            let orderID = try #require(reply.string("orderId"))
            try await h.pay("wechat", orderID)
            #expect(await h.waitFor(orderID, status: "paid"))
            // The API logged the order's creation and the accepted notify with it; the worker logged applying it.
            #expect(await eventually(timeoutSeconds: 20) {
                let api = (try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? ""
                let worker = (try? String(contentsOf: h.worker.logFile, encoding: .utf8)) ?? ""
                let apiLines = api.split(separator: "\n").filter { $0.contains(correlation) }
                return apiLines.contains { $0.contains("payment order created") } && apiLines.contains { $0.contains("payment notify accepted") }
                    && worker.split(separator: "\n").contains { $0.contains(correlation) && $0.contains("applied") && $0.contains(traceparent) }
            })
            // And it is stored with the journal entry.
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE correlation_id = '\(correlation)'") == 1)
            // The W3C trace went with it: from the order (the notify came without it) onto the callback message the
            // worker applied, and from there onto the follow-up event the worker wrote to the outbox.
            #expect(try await h.count("SELECT count(*) FROM channel_payments WHERE order_id = '\(orderID)' AND traceparent = '\(traceparent)'") == 1)
            #expect(try await h.count(
                """
                SELECT count(*) FROM outbox WHERE headers->>'traceparent' = '\(traceparent)'
                AND headers->>'paystream-correlation-id' = '\(correlation)'
                """) == 1)
            // A malformed traceparent (upper-case hex, all-zero parent) is ignored, as W3C asks, not refused.
            for malformed in ["00-\(traceID.uppercased())-00f067aa0ba902b7-01", "00-\(traceID)-0000000000000000-01", "garbage"] {
                let other = try await h.send(
                    .POST, h.apiURL + "/v1/recharges", json: #"{"amountFen":100,"channel":"wechat"}"#,
                    headers: ["X-Paystream-Account": user, "traceparent": malformed])
                #expect(other.status == 201)
                let otherID = try #require(other.string("orderId"))
                #expect(try await h.count("SELECT count(*) FROM channel_payments WHERE order_id = '\(otherID)' AND traceparent IS NULL") == 1)
            }
        }
    }
}
