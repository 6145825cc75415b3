import Foundation
import Testing

@testable import PaystreamRuntime

/// The client's wallet of one-time tokens: what it hands out and what it drops.
@Suite("One-time token wallet")
struct OneTimeTokenWalletTests {
    @Test func aTokenPastItsTimeIsDroppedNotHandedOut() {
        let wallet = OneTimeTokenClient.Wallet()
        let now = Date()
        wallet.add(
            [
                .init(token: "old", usableUntil: now.addingTimeInterval(-1)),
                .init(token: "fresh", usableUntil: now.addingTimeInterval(60)),
            ], from: 0)
        #expect(wallet.take(now: now)?.token == "fresh")
        #expect(wallet.take(now: now) == nil)
        #expect(wallet.count == 0)
        // A token put back keeps its time.
        wallet.putBack(.init(token: "later", usableUntil: now.addingTimeInterval(30)))
        #expect(wallet.take(now: now.addingTimeInterval(31)) == nil)
    }

    @Test func oneBatchIsAskedForAtATime() {
        let wallet = OneTimeTokenClient.Wallet()
        #expect(wallet.beginRefill())
        #expect(!wallet.beginRefill(), "a second caller waits for the batch on its way")
        wallet.add([.init(token: "t", usableUntil: Date().addingTimeInterval(60))], from: 0)
        #expect(wallet.batchesReceived == 1)
        wallet.endRefill()
        #expect(wallet.beginRefill())
    }

    @Test func aWalletRenewsAheadOnlyWhenAllItsTokensExpireWithinItsTime() {
        let now = Date()
        let wallet = OneTimeTokenClient.Wallet(renewAhead: 60)
        wallet.add(
            [
                .init(token: "soon", usableUntil: now.addingTimeInterval(30)),
                .init(token: "later", usableUntil: now.addingTimeInterval(90)),
            ], from: 0)
        #expect(!wallet.allExpire(within: wallet.renewAhead, now: now), "one token lives past 60 s")
        #expect(wallet.allExpire(within: wallet.renewAhead, now: now.addingTimeInterval(31)), "both expire within 60 s of then")
        #expect(!OneTimeTokenClient.Wallet().allExpire(within: nil, now: now.addingTimeInterval(1_000)), "no time: never ahead")

        // Each account draws its own time from the client's range, so renewals spread over it.
        let client = OneTimeTokenClient(apiURL: "http://127.0.0.1:1", renewAhead: 30...150)
        let drawn = (0..<200).compactMap { client.wallet("user:u\($0)").renewAhead }
        #expect(drawn.count == 200 && drawn.allSatisfy { (30...150).contains($0) })
        #expect((drawn.max() ?? 0) - (drawn.min() ?? 0) > 60, "drawn times spread: \(drawn.min() ?? 0)...\(drawn.max() ?? 0)")
    }

    /// The mixed benchmark's clients renew on a timer: only the accounts whose tokens all expire within their
    /// renewal time are asked for, and not one whose batch is already on its way.
    @Test func theTimerRenewsOnlyWalletsWhoseTokensAllExpireSoon() {
        let now = Date()
        let client = OneTimeTokenClient(apiURL: "http://127.0.0.1:1", renewAhead: 30...30)
        client.wallet("user:fresh").add([.init(token: "f", usableUntil: now.addingTimeInterval(120))], from: 0)
        client.wallet("user:stale").add([.init(token: "s", usableUntil: now.addingTimeInterval(10))], from: 0)
        let busy = client.wallet("user:busy")
        busy.add([.init(token: "b", usableUntil: now.addingTimeInterval(10))], from: 0)
        #expect(busy.beginRefill())
        #expect(client.renewExpiring { _ in { _, _, _ in [] } } == 1, "only user:stale")
        // Without a renewal time there is no timer renewal.
        let plain = OneTimeTokenClient(apiURL: "http://127.0.0.1:1")
        plain.wallet("user:stale").add([.init(token: "s", usableUntil: now.addingTimeInterval(10))], from: 0)
        #expect(plain.renewExpiring { _ in { _, _, _ in [] } } == 0)
    }

    @Test func anIssuedEventCarriesTheTokensAndTheirLifetime() throws {
        let block = "event: token.issued\ndata: {\"tokens\":[\"a\",\"b\"],\"expiresInSeconds\":120}"
        let issued = try #require(OneTimeTokenClient.tokens(inEvent: block))
        #expect(issued.tokens == ["a", "b"] && issued.expiresInSeconds == 120)
        #expect(OneTimeTokenClient.tokens(inEvent: "event: grab.credited\ndata: {}") == nil)
    }
}
