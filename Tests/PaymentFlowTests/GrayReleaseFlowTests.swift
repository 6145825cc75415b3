import EventBus
import Foundation
import Synchronization
import Testing
import TestSupport

/// Gray (canary) release: the rule (`paystream gray`) decides each new order's route when it is created, the
/// route is written into the order number, and every step of the order follows it — to the gray twin topics and
/// the canary worker group, or to the main fleet — however the rule changes meanwhile.
@Suite(.serialized) struct GrayReleaseFlowTests {
    /// Stores a rule through the operator's command and gives the APIs time to read it (they do every second).
    static func gray(_ h: FlowHarness, _ arguments: [String]) async throws {
        let result = try await h.paystream(["gray"] + arguments + ["--by", "ops-test"], withKeys: false)
        #expect(result.status == 0, "\(result.output)")
        try await Task.sleep(nanoseconds: 2_500_000_000)
    }

    static func recharge(_ h: FlowHarness, _ user: String, fen: Int64) async throws -> String {
        let order = try await h.post("/v1/recharges", "{\"amountFen\":\(fen),\"channel\":\"wechat\"}", as: user)
        return try #require(order.string("orderId"), "\(order.text)")
    }

    @Test func aUserMovedIntoAndOutOfGrayWhileMoneyMovesKeepsEachOrderOnItsRoute() async throws {
        try await FlowHarness.run(grayTwins: true) { h in
            var canary = try h.startCanaryWorker()
            let gina = "gina\(h.prefix.suffix(6))", mo = "mo\(h.prefix.suffix(6))"
            try await Self.gray(h, ["set", "--users", gina])
            let shown = try await h.paystream(["gray", "show"], withKeys: false)
            #expect(shown.output.contains("users [\(gina)]"), "\(shown.output)")

            // Gina's recharge is gray, Mo's is not; both are credited, each by its own worker group.
            let a = try await Self.recharge(h, "user:\(gina)", fen: 50_000)
            let b = try await Self.recharge(h, "user:\(mo)", fen: 30_000)
            #expect(TrafficRoute.of(orderKey: a) == .gray, "\(a)")
            #expect(TrafficRoute.of(orderKey: b) == .main, "\(b)")
            _ = try await h.pay("wechat", a)
            _ = try await h.pay("wechat", b)
            #expect(await h.waitFor(a, status: "paid"), "canary:\n\(canary.tail())")
            #expect(await h.waitFor(b, status: "paid"))

            // A withdrawal requested while gray stays gray after Gina leaves gray: its approval and payout follow it.
            let ginaWeChat = try await h.bindWeChat(as: "user:\(gina)")
            let w = try await h.post("/v1/withdrawals", #"{"amountFen":10000,"channel":"wechat","openId":"\#(ginaWeChat)"}"#, as: "user:\(gina)")
            let withdrawal = try #require(w.string("orderId"), "\(w.text)")
            #expect(TrafficRoute.of(orderKey: withdrawal) == .gray)
            #expect(await h.waitFor(withdrawal, status: "requested"))
            try await Self.gray(h, ["off"])
            #expect(try await h.post("/v1/admin/withdrawals/\(withdrawal)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(withdrawal, status: "paidOut"), "canary:\n\(canary.tail())")
            let c = try await Self.recharge(h, "user:\(gina)", fen: 5_000)
            #expect(TrafficRoute.of(orderKey: c) == .main, "out of gray, Gina's new orders are main: \(c)")
            _ = try await h.pay("wechat", c)
            #expect(await h.waitFor(c, status: "paid"))

            // Proof of the route: with the canary group stopped, a gray order waits on its topic while main orders
            // go through; the canary comes back and applies it (exactly once: the balances below).
            await canary.terminate()
            try await Self.gray(h, ["set", "--percent", "100"])
            let d = try await Self.recharge(h, "user:\(mo)", fen: 7_000)
            #expect(TrafficRoute.of(orderKey: d) == .gray, "100% gray: \(d)")
            try await Self.gray(h, ["set", "--users", gina])
            let e = try await Self.recharge(h, "user:\(mo)", fen: 3_000)
            #expect(TrafficRoute.of(orderKey: e) == .main)
            _ = try await h.pay("wechat", d)
            _ = try await h.pay("wechat", e)
            #expect(await h.waitFor(e, status: "paid"))
            #expect(try await h.orderStatus(d) != "paid", "no canary is running: the gray order must not be applied")
            canary = try h.startCanaryWorker()
            #expect(await h.waitFor(d, status: "paid"), "canary:\n\(canary.tail())")

            // While Gina's money keeps moving, she is moved in and out of gray four times: every recharge is
            // credited once, on the route it was created on, and both routes carried some.
            let flipsDone = DoneFlag()
            let flipping = Task {
                defer { flipsDone.set() }
                for arguments in [["set", "--users", gina], ["off"], ["set", "--users", gina], ["off"]] {
                    let result = try await h.paystream(["gray"] + arguments + ["--by", "ops-flip"], withKeys: false)
                    #expect(result.status == 0, "\(result.output)")
                    try await Task.sleep(nanoseconds: 1_200_000_000)
                }
            }
            var moving: [String] = []
            while true {
                let order = try await Self.recharge(h, "user:\(gina)", fen: 100)
                _ = try await h.pay("wechat", order)
                moving.append(order)
                let routes = Set(moving.map { TrafficRoute.of(orderKey: $0) })
                if flipsDone.isSet, routes.count == 2 { break }
                if moving.count >= 200 { break }
            }
            try await flipping.value
            let routes = Dictionary(grouping: moving) { TrafficRoute.of(orderKey: $0) }.mapValues(\.count)
            #expect(routes.count == 2, "orders by route while the rule flipped: \(routes)")
            for order in moving { #expect(await h.waitFor(order, status: "paid"), "\(order)") }

            #expect(try await h.balance("user:\(gina)") == (50_000 - 10_000 + 5_000 + 100 * Int64(moving.count), 0))
            #expect(try await h.balance("user:\(mo)") == (30_000 + 7_000 + 3_000, 0))
            // Every version is kept, with who changed it.
            #expect(try await h.count("SELECT count(*) FROM gray_rules WHERE changed_by = 'ops-test'") == 4)
            await canary.terminate()
        }
    }
}

/// Set once by one task, read by another.
final class DoneFlag: Sendable {
    private let done = Mutex(false)
    func set() { done.withLock { $0 = true } }
    var isSet: Bool { done.withLock { $0 } }
}
