import Redis
import TestSupport
import Testing

@Suite struct RedisScriptTests {
    @Test func scriptIsReloadedTransparentlyAfterScriptFlush() async throws {
        // Flushes the server's script cache, which other tests count on: one at a time with them.
        try await ScriptCacheLock.exclusively { try await reloadAfterFlush() }
    }

    private func reloadAfterFlush() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                // A source no other test or run uses, so only this test decides whether the server knows it.
                let script = RedisScript(
                    "-- \(TestEnvironment.uniqueName("flush"))\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])"
                )
                let exists = { try await client.send(["SCRIPT", "EXISTS", script.sha1]) }

                #expect(try await exists() == .array([.integer(0)]))
                #expect(try await client.evaluate(script, keys: keys, arguments: ["5"]) == .integer(5))
                #expect(client.scriptReloadCount == 1)
                #expect(try await exists() == .array([.integer(1)]))

                #expect(try await client.send(["SCRIPT", "FLUSH"]) == .status("OK"))
                #expect(try await exists() == .array([.integer(0)]))

                #expect(try await client.evaluate(script, keys: keys, arguments: ["7"]) == .integer(12))
                #expect(
                    client.scriptReloadCount == 2, "the second call went through NOSCRIPT and EVAL")
                #expect(try await exists() == .array([.integer(1)]))

                #expect(try await client.evaluate(script, keys: keys, arguments: ["1"]) == .integer(13))
                #expect(client.scriptReloadCount == 2, "a cached script runs by EVALSHA alone")
            }
        }
    }

    @Test func localSHA1MatchesScriptLoad() async throws {
        try await withTestClient { client throws in
            let script = RedisScript("return '红包 🧧 \(TestEnvironment.uniqueName("sha"))'")
            #expect(try await client.send(["SCRIPT", "LOAD", script.source]).string == script.sha1)
        }
    }

    @Test func scriptRepliesAndErrors() async throws {
        try await withTestClient { client throws in
            let mixed = RedisScript("return {1, 'two', false, {ARGV[1]}}")
            #expect(
                try await client.evaluate(mixed, arguments: ["三"])
                    == .array([.integer(1), .bulk("two"), .null, .array([.bulk("三")])]))

            let failing = RedisScript("return redis.error_reply('PAYSTREAM_TEST refused')")
            let error = await redisError { try await client.evaluate(failing) }
            #expect(error?.code == .server)
            #expect(error?.message == "PAYSTREAM_TEST refused")
        }
    }
}
