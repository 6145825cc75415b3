import Foundation
import Testing
import TestSupport

/// The operators' withdrawal queue, `GET /v1/admin/withdrawals?status=…`: each status lists exactly its withdrawals,
/// oldest first, page after page through the cursor. Each queue has its own condition and index (migration 0045), so
/// this checks every one of them against withdrawals put in each state for real.
@Suite(.serialized) struct WithdrawalQueueFlowTests {
    @Test func eachQueueListsExactlyItsWithdrawalsOldestFirst() async throws {
        try await FlowHarness.run { h in
            // Two users (the risk rules allow three withdrawals a day each), each with a bank card.
            let (first, firstCard) = try await h.fundedUserWithCard("wq1", fen: 100_000, holder: "赵六")
            let (second, secondCard) = try await h.fundedUserWithCard("wq2", fen: 100_000, holder: "孙七")
            func withdraw(_ user: String, _ card: String, _ fen: Int) async throws -> String {
                let reply = try await h.post("/v1/withdrawals", #"{"amountFen":\#(fen),"channel":"bill99","cardId":"\#(card)"}"#, as: user)
                guard reply.status == 202, let id = reply.string("orderId") else { throw HarnessError("withdrawal refused: \(reply.text)") }
                return id
            }
            func queue(_ status: String, limit: Int = 100) async throws -> [String] {
                var ids: [String] = []
                var cursor: String?
                repeat {
                    let page = try await h.get("/v1/admin/withdrawals?status=\(status)&limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""), admin: "ops-lee")
                    guard page.status == 200, let rows = page.json["withdrawals"] as? [[String: Any]] else {
                        throw HarnessError("queue \(status): \(page.status) \(page.text)")
                    }
                    for row in rows {
                        #expect(row["status"] as? String == status, "\(row)")
                        ids.append(row["orderId"] as? String ?? "?")
                    }
                    cursor = page.string("nextCursor")
                } while cursor != nil
                return ids
            }

            // Paid out.
            let paid = try await withdraw(first, firstCard, 1_000)
            #expect(await h.waitFor(paid, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(paid)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(paid, status: "paidOut"))
            // Rejected.
            let rejected = try await withdraw(first, firstCard, 2_000)
            #expect(await h.waitFor(rejected, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(rejected)/reject", #"{"reason":"not this one"}"#, admin: "ops-kim").status == 202)
            #expect(await h.waitFor(rejected, status: "invalid"))
            // Two waiting for review.
            let waiting = [try await withdraw(first, firstCard, 3_000), try await withdraw(second, secondCard, 4_000)]
            for id in waiting { #expect(await h.waitFor(id, status: "requested")) }
            // Approved, held back from the dispatcher.
            let approved = try await withdraw(second, secondCard, 5_000)
            try await h.approveWithoutSending(approved)
            // Requested while the worker is down: not frozen yet.
            await h.killWorker()
            let pending = try await withdraw(second, secondCard, 6_000)

            #expect(try await queue("pending") == [pending])
            #expect(try await queue("requested") == waiting)
            #expect(try await queue("approved") == [approved])
            #expect(try await queue("paidOut") == [paid])
            #expect(try await queue("invalid") == [rejected])

            // Once frozen it waits for review behind the older two; a page of one at a time walks them in order.
            try h.startWorker()
            #expect(await h.waitFor(pending, status: "requested"))
            #expect(try await queue("pending").isEmpty)
            #expect(try await queue("requested", limit: 1) == waiting + [pending])
            #expect(try await queue("requested", limit: 2) == waiting + [pending])

            // A status that is not a queue is refused, not answered empty.
            let unknown = try await h.get("/v1/admin/withdrawals?status=finished", admin: "ops-lee")
            #expect(unknown.status == 400 && unknown.string("code") == "request.invalid_field", "\(unknown.text)")
        }
    }
}
