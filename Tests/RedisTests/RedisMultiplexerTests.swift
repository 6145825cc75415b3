import Redis
import TestSupport
import Testing

/// The shared, pipelining connection (`RedisClient.multiplexed`) against the real test server: concurrent
/// callers each get their own reply, errors stay with their command, and a lost connection is replaced.
@Suite struct RedisMultiplexerTests {
    @Test func concurrentCallersEachGetTheirOwnReplyInSharedBatches() async throws {
        // Room for every caller to wait at once: the limit is tested below.
        try await withTestClient(try testConfiguration { $0.maximumWaitingCallers = 10_000 }) { client throws in
            try await withTemporaryKeys(client, count: 2) { keys throws in
                let callers = 2_000
                let mux = client.multiplexed
                let before = mux.statistics
                let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                    for caller in 0..<callers {
                        group.addTask {
                            // Each caller writes its own field, increments a shared counter, and reads its field back.
                            _ = try await mux.send(["HSET", keys[0], "f\(caller)", "v\(caller)"])
                            _ = try await mux.send(["INCR", keys[1]])
                            return try await mux.send(["HGET", keys[0], "f\(caller)"]).string == "v\(caller)" ? 0 : 1
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(mismatches == 0)
                #expect(try await client.send(["GET", keys[1]]).string == String(callers))
                #expect(try await client.send(["HLEN", keys[0]]) == .integer(Int64(callers)))
                let after = mux.statistics
                let commands = after.commands - before.commands
                let batches = after.batches - before.batches
                #expect(commands == 3 * callers)
                #expect(batches < commands, "concurrent commands were written together: \(batches) batches for \(commands) commands")
            }
        }
    }

    @Test func anErrorReplyFailsOnlyItsOwnCommand() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 2) { keys throws in
                _ = try await client.send(["SET", keys[0], "a string"])
                let mux = client.multiplexed
                async let wrongType = redisError { try await mux.send(["LPUSH", keys[0], "x"]) }
                async let fine = mux.send(["SET", keys[1], "ok"])
                async let unknown = redisError { try await mux.send(["NO-SUCH-COMMAND"]) }
                #expect(await wrongType?.code == .server)
                #expect(await wrongType?.serverErrorPrefix == "WRONGTYPE")
                #expect(try await fine == .status("OK"))
                #expect(await unknown?.code == .server)
                #expect(try await mux.send(["GET", keys[1]]).string == "ok")
            }
        }
    }

    @Test func aForgottenScriptIsSentAgainOnce() async throws {
        // Counts reloads: no other test's SCRIPT FLUSH may land between the two calls.
        try await ScriptCacheLock.exclusively { try await aForgottenScriptIsSentAgainOnceAlone() }
    }

    private func aForgottenScriptIsSentAgainOnceAlone() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                let script = RedisScript("-- \(TestEnvironment.uniqueName("mux"))\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])")
                let mux = client.multiplexed
                #expect(try await mux.evaluate(script, keys: keys, arguments: ["5"]) == .integer(5))
                #expect(mux.scriptReloadCount == 1, "the server had never seen it: NOSCRIPT, then EVAL")
                #expect(try await mux.evaluate(script, keys: keys, arguments: ["2"]) == .integer(7))
                #expect(mux.scriptReloadCount == 1, "a cached script runs by EVALSHA alone, and runs once")
            }
        }
    }

    @Test func aConnectionKilledWhileIdleIsReplacedUnnoticed() async throws {
        let admin = try await adminConnection()
        try await withTestClient { client throws in
            let mux = client.multiplexed
            let first = try #require(try await mux.send(["CLIENT", "ID"]).int64)
            #expect(try await admin.send(["CLIENT", "KILL", "ID", String(first)]) == .integer(1))
            // Give the server's close time to reach our socket.
            try await Task.sleep(for: .milliseconds(100))
            let second = try #require(try await mux.send(["CLIENT", "ID"]).int64)
            #expect(second != first)
        }
        await admin.close()
    }

    @Test func aCommandInFlightWhenTheConnectionDiesFailsRetriablyAndTheNextOneWorks() async throws {
        let admin = try await adminConnection()
        try await withTestClient(try testConfiguration { $0.commandTimeoutMilliseconds = 5000 }) { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                let mux = client.multiplexed
                let id = try #require(try await mux.send(["CLIENT", "ID"]).int64)
                // A blocking command holds the shared connection on purpose (never do this outside a test).
                async let blocked = redisError { try await mux.send(["BLPOP", keys[0], "4"]) }
                try await waitUntilBlockedInBLPOP(id, admin: admin)
                #expect(try await admin.send(["CLIENT", "KILL", "ID", String(id)]) == .integer(1))
                let error = await blocked
                #expect(error?.code == .io)
                #expect(error?.isRetriable == true)
                #expect(try await mux.send(["PING"]) == .status("PONG"))
                #expect(try await mux.send(["CLIENT", "ID"]).int64 != id)
            }
        }
        await admin.close()
    }

    @Test func callersBeyondTheWaitingLimitAreRefusedAtOnce() async throws {
        let admin = try await adminConnection()
        // The held BLPOP must outlast a slow machine: the default 2 s command timeout once fired first (the full
        // suite runs hundreds of tests at once on two cores), so the timeout here is beyond BLPOP's own 30 s.
        try await withTestClient(try testConfiguration { $0.maximumWaitingCallers = 3; $0.commandTimeoutMilliseconds = 40_000 }) {
            client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                let mux = client.multiplexed
                let id = try #require(try await mux.send(["CLIENT", "ID"]).int64)
                // The shared connection is held until this test pushes to the list, however slow the machine.
                async let holder = mux.send(["BLPOP", keys[0], "30"])
                try await waitUntilBlockedInBLPOP(id, admin: admin)
                let (refused, answered) = try await withThrowingTaskGroup(of: RedisError?.self) { group in
                    for _ in 0..<8 { group.addTask { await redisError { try await mux.send(["PING"]) } } }
                    // Refusals come back at once; the three that wait cannot finish while the connection is held.
                    var refused: [RedisError.Code] = []
                    while refused.count < 5, let outcome = try await group.next() {
                        refused.append(outcome?.code ?? .invalidArgument)
                    }
                    _ = try await admin.send(["LPUSH", keys[0], "release"])
                    var answered = 0
                    for try await outcome in group where outcome == nil { answered += 1 }
                    return (refused, answered)
                }
                #expect(refused == Array(repeating: .poolAcquireTimeout, count: 5))
                #expect(answered == 3, "the three that waited were answered")
                #expect(try await holder == .array([.bulk(keys[0]), .bulk("release")]))
            }
        }
        await admin.close()
    }

    @Test func commandsQueuedBeforeShutdownAreAnsweredAndNoConnectionOutlivesIt() async throws {
        let admin = try await adminConnection()
        let name = TestEnvironment.uniqueName("mux-shutdown")
        // One command per batch: the commands queued behind the held one need flushes that queue themselves
        // again, and those run after shutdown()'s close.
        // As above, the held BLPOP must not hit the command timeout before the test releases it.
        let mux = RedisMultiplexer(
            configuration: try testConfiguration {
                $0.clientName = name
                $0.maximumPipelineLength = 1
                $0.commandTimeoutMilliseconds = 40_000
            })
        let key = TestEnvironment.uniqueName("paystream-test-redis-mux-shutdown")
        let id = try #require(try await mux.send(["CLIENT", "ID"]).int64)
        async let holder = mux.send(["BLPOP", key, "30"])
        try await waitUntilBlockedInBLPOP(id, admin: admin)
        let pings = (0..<3).map { _ in Task { try await mux.send(["PING"]) } }
        #expect(await eventually(timeoutSeconds: 10) { mux.waitingCommands == 3 }, "the three wait behind the held connection")
        let shuttingDown = Task { await mux.shutdown() }
        #expect(await eventually(timeoutSeconds: 10) { mux.isShutDown })
        #expect(await redisError { try await mux.send(["PING"]) }?.code == .closed, "refused after shutdown()")
        _ = try await admin.send(["LPUSH", key, "release"])
        #expect(try await holder == .array([.bulk(key), .bulk("release")]))
        for ping in pings { #expect(try await ping.value == .status("PONG"), "queued before shutdown(): answered") }
        await shuttingDown.value
        let closed = await eventually(timeoutSeconds: 5) { (try? await connectionNames(on: admin).contains(name)) == false }
        #expect(closed, "the multiplexer's connection is closed after its last answer")
        _ = try await admin.send(["DEL", key])
        await admin.close()
    }

    @Test func anUnreachableServerFailsEachBatchWithConnectionFailed() async throws {
        let refusing = try RefusingPort()
        let client = RedisClient(
            configuration: RedisConfiguration(host: "127.0.0.1", port: refusing.port, connectTimeoutMilliseconds: 1000, poolSize: 1))
        for _ in 0..<2 {
            #expect(await redisError { try await client.multiplexed.send(["PING"]) }?.code == .connectionFailed)
        }
        await client.shutdown()
        #expect(await redisError { try await client.multiplexed.send(["PING"]) }?.code == .closed)
        withExtendedLifetime(refusing) {}
    }
}
