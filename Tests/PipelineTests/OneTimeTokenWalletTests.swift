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

    @Test func anIssuedEventCarriesTheTokensAndTheirLifetime() throws {
        let block = "event: token.issued\ndata: {\"tokens\":[\"a\",\"b\"],\"expiresInSeconds\":120}"
        let issued = try #require(OneTimeTokenClient.tokens(inEvent: block))
        #expect(issued.tokens == ["a", "b"] && issued.expiresInSeconds == 120)
        #expect(OneTimeTokenClient.tokens(inEvent: "event: grab.credited\ndata: {}") == nil)
    }
}
