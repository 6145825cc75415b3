import Redis
import TestSupport
import Testing

@Suite struct RedisPoolTests {
    @Test func poolNeverOpensMoreThanPoolSizeConnections() async throws {
        let name = TestEnvironment.uniqueName("pool-bound")
        let admin = try await adminConnection()
        try await withTestClient(
            try testConfiguration {
                $0.poolSize = 2
                $0.clientName = name
                $0.acquireTimeoutMilliseconds = 10_000
            }
        ) { client throws in
            try await withTemporaryKeys(client, count: 2) { keys throws in
                let (mostSeen, elapsedMilliseconds) = try await measureMilliseconds {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<20 {
                            group.addTask {
                                // Holds its connection ~100 ms on the server: BLPOP on an empty list.
                                #expect(try await client.send(["BLPOP", keys[0], "0.1"]) == .null)
                                _ = try await client.send(["INCR", keys[1]])
                            }
                        }
                        var mostSeen = 0
                        for _ in 0..<10 {
                            let open = try await connectionNames(on: admin).filter { $0 == name }.count
                            mostSeen = max(mostSeen, open)
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        try await group.waitForAll()
                        return mostSeen
                    }
                }
                #expect(mostSeen <= 2)
                #expect(try await connectionNames(on: admin).filter { $0 == name }.count == 2)
                #expect(try await client.send(["GET", keys[1]]) == .bulk("20"))
                // 20 commands of ~100 ms each over 2 connections cannot finish much sooner than 1 s.
                #expect(elapsedMilliseconds >= 900)
            }
        }
    }

    @Test func waitingCallersAreServedFirstComeFirstServed() async throws {
        actor Order {
            var names: [String] = []
            func append(_ name: String) { names.append(name) }
        }
        try await withTestClient(
            try testConfiguration {
                $0.poolSize = 1
                $0.acquireTimeoutMilliseconds = 10_000
            }
        ) { client throws in
            let order = Order()
            let (held, holding) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await client.withConnection { _ in
                        holding.yield()
                        try await Task.sleep(for: .milliseconds(600))
                    }
                }
                var iterator = held.makeAsyncIterator()
                _ = await iterator.next()
                for name in ["first", "second", "third"] {
                    group.addTask {
                        try await client.withConnection { connection throws in
                            await order.append(name)
                            _ = try await connection.send(["PING"])
                        }
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await group.waitForAll()
            }
            #expect(await order.names == ["first", "second", "third"])
        }
    }

    @Test func acquireTimesOutWhenThePoolStaysBusy() async throws {
        try await withTestClient(
            try testConfiguration {
                $0.poolSize = 1
                $0.acquireTimeoutMilliseconds = 300
            }
        ) { client throws in
            // The only connection is held until the waiting caller has its answer, however long the loaded test
            // machine takes to run the caller's timeout (a holder that slept 1.5 s let it through once).
            let (held, holding) = AsyncStream<Void>.makeStream()
            let (released, release) = AsyncStream<Void>.makeStream()
            async let holder: Void = client.withConnection { _ in
                holding.yield()
                var waiting = released.makeAsyncIterator()
                _ = await waiting.next()
            }
            var iterator = held.makeAsyncIterator()
            _ = await iterator.next()
            let (error, elapsedMilliseconds) = await measureMilliseconds {
                await redisError { try await client.send(["PING"]) }
            }
            release.finish()
            #expect(error?.code == .poolAcquireTimeout)
            #expect(error?.isRetriable == true)
            #expect(elapsedMilliseconds >= 250 && elapsedMilliseconds < 60_000)
            try await holder
            #expect(try await client.send(["PING"]) == .status("PONG"))
        }
    }

    @Test func idleConnectionKilledByServerIsReplaced() async throws {
        let admin = try await adminConnection()
        try await withTestClient(
            try testConfiguration { $0.poolSize = 1 }
        ) { client throws in
            let firstID = try #require(try await client.send(["CLIENT", "ID"]).int64)
            #expect(try await admin.send(["CLIENT", "KILL", "ID", String(firstID)]) == .integer(1))

            // At most one retriable failure is allowed; the pool notices an idle socket closed by the
            // server before using it, so normally there is none.
            var failures: [RedisError] = []
            var secondID: Int64?
            for _ in 0..<2 where secondID == nil {
                do {
                    secondID = try await client.send(["CLIENT", "ID"]).int64
                } catch let error as RedisError {
                    failures.append(error)
                }
            }
            #expect(failures.count <= 1)
            #expect(failures.allSatisfy { $0.isRetriable })
            #expect(secondID != nil && secondID != firstID)
        }
    }

    @Test func commandInFlightWhenKilledFailsRetriablyThenPoolRecovers() async throws {
        let admin = try await adminConnection()
        try await withTestClient(
            try testConfiguration {
                $0.poolSize = 1
                $0.commandTimeoutMilliseconds = 5000
            }
        ) { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                let id = try #require(try await client.send(["CLIENT", "ID"]).int64)
                async let blocked = redisError { try await client.send(["BLPOP", keys[0], "4"]) }
                try await waitUntilBlockedInBLPOP(id, admin: admin)
                #expect(try await admin.send(["CLIENT", "KILL", "ID", String(id)]) == .integer(1))
                let error = await blocked
                #expect(error?.code == .io)
                #expect(error?.isRetriable == true)
                #expect(try await client.send(["PING"]) == .status("PONG"))
                #expect(try await client.send(["CLIENT", "ID"]).int64 != id)
            }
        }
    }

    @Test func shutdownClosesTheClient() async throws {
        let client = RedisClient(configuration: try testConfiguration())
        #expect(try await client.send(["PING"]) == .status("PONG"))
        await client.shutdown()
        #expect(await redisError { try await client.send(["PING"]) }?.code == .closed)
    }
}
