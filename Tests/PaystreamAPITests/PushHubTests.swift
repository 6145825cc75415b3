import Testing

@testable import PaystreamAPI

/// The push hub on its own: who gets an event, and how the keep-alives of one interval are spread.
@Suite("Push hub")
struct PushHubTests {
    /// Subscribes `count` connections (account `user:<n>`, groups as given) and returns their streams' iterators.
    private func subscribe(_ hub: PushHub, count: Int, groups: (Int) -> Set<String> = { _ in [] })
        -> [AsyncStream<PushHub.Delivery>.AsyncIterator]
    {
        (0..<count).map { n in hub.subscribe(account: "user:\(n)", groups: groups(n))!.1.makeAsyncIterator() }
    }

    @Test("the turns of one interval reach every connection exactly once, in equal shares")
    func keepAliveTurnsCoverEveryConnectionOnce() async {
        let hub = PushHub()
        var streams = subscribe(hub, count: 10)
        let reached = (0..<4).map { hub.keepAlive(turn: $0, of: 4) }
        #expect(reached == [3, 3, 2, 2])
        for n in streams.indices {
            #expect(await streams[n].next() == .keepAlive, "connection \(n)")
        }
        // Nothing more was queued: a second delivery is the next thing each stream yields.
        let event = PushHub.Event(name: "envelope.available", data: "{}")
        for n in streams.indices { hub.deliver(event, toAccount: "user:\(n)") }
        for n in streams.indices { #expect(await streams[n].next() == .event(event), "connection \(n)") }
    }

    @Test("an interval is cut into a turn per quarter second, between 1 and 60 turns")
    func turnsPerInterval() {
        #expect(PushHub.keepAliveTurns(every: .seconds(15)) == 60)
        #expect(PushHub.keepAliveTurns(every: .seconds(3600)) == 60)
        #expect(PushHub.keepAliveTurns(every: .seconds(1)) == 4)
        #expect(PushHub.keepAliveTurns(every: .milliseconds(500)) == 2)
        #expect(PushHub.keepAliveTurns(every: .milliseconds(100)) == 1)
    }

    @Test("one account holds at most ten streams; one closed makes room for another")
    func streamsPerAccount() throws {
        let hub = PushHub()
        let held = (0..<PushHub.maxStreamsPerAccount).compactMap { _ in hub.subscribe(account: "user:busy", groups: []) }
        #expect(held.count == 10)
        #expect(hub.subscribe(account: "user:busy", groups: []) == nil)
        #expect(hub.subscribe(account: "user:other", groups: []) != nil, "the cap is per account")
        hub.unsubscribe(held[0].0)
        #expect(hub.subscribe(account: "user:busy", groups: []) != nil)
    }

    @Test("a group's event reaches its members' connections only, and none that closed")
    func groupDelivery() async throws {
        let hub = PushHub()
        let inGroup: (Int) -> Set<String> = { $0 % 2 == 0 ? ["group:a", "group:b"] : ["group:b"] }
        var streams = subscribe(hub, count: 4, groups: inGroup)
        let event = PushHub.Event(name: "envelope.available", data: #"{"envelope":"E1"}"#)
        #expect(hub.deliver(event, toGroup: "group:a") == 2)
        #expect(hub.deliver(event, toGroup: "group:c") == 0)
        for n in [0, 2] { #expect(await streams[n].next() == .event(event)) }

        // (A stream nobody holds ends at once, and its connection is forgotten: this one is held until closed.)
        let (closing, held) = try #require(hub.subscribe(account: "user:9", groups: ["group:a"]))
        withExtendedLifetime(held) { #expect(hub.deliver(event, toGroup: "group:a") == 3) }
        hub.unsubscribe(closing)
        #expect(hub.deliver(event, toGroup: "group:a") == 2)
        #expect(hub.deliver(event, toGroup: "group:b") == 4)
        #expect(hub.keepAlive() == 4)
    }
}
