import Redis
import Testing

@Suite struct RedisCommandTests {
    @Test func binarySafeRoundTrip() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 4) { keys throws in
                let binary: [UInt8] = [0x00, 0x01, 0xFF, 0x0D, 0x0A, 0x00] + Array("红包 🧧 ✓".utf8) + [0x00]
                #expect(
                    try await client.send([Array("SET".utf8), Array(keys[0].utf8), binary]) == .status("OK"))
                #expect(try await client.send(["GET", keys[0]]) == .bulkString(binary))
                #expect(try await client.send(["STRLEN", keys[0]]) == .integer(Int64(binary.count)))

                #expect(try await client.send(["SET", keys[1], "红包 🧧 ✓"]) == .status("OK"))
                #expect(try await client.send(["GET", keys[1]]).string == "红包 🧧 ✓")

                #expect(try await client.send(["SET", keys[2], ""]) == .status("OK"))
                #expect(try await client.send(["GET", keys[2]]) == .bulkString([]))

                #expect(try await client.send(["INCR", keys[3]]) == .integer(1))
                #expect(try await client.send(["INCRBY", keys[3], "41"]).int64 == 42)
                #expect(try await client.send(["GET", keys[3]]) == .bulk("42"))

                #expect(try await client.send(["DEL", keys[0], keys[1], keys[2], keys[3]]) == .integer(4))
                #expect(try await client.send(["GET", keys[0]]) == .null)
                #expect(try await client.send(["EXISTS", keys[0], keys[3]]) == .integer(0))
            }
        }
    }

    @Test func serverErrorSurfacesAndConnectionStaysUsable() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                #expect(try await client.send(["LPUSH", keys[0], "a"]) == .integer(1))
                try await client.withConnection { connection throws in
                    let error = await redisError { try await connection.send(["GET", keys[0]]) }
                    #expect(error?.code == .server)
                    #expect(error?.message.hasPrefix("WRONGTYPE") == true)
                    #expect(error?.serverErrorPrefix == "WRONGTYPE")
                    #expect(error?.isRetriable == false)
                    #expect(!connection.isBroken)
                    #expect(try await connection.send(["PING"]) == .status("PONG"))
                }
            }
        }
    }

    @Test func emptyCommandIsRejectedBeforeSending() async throws {
        try await withTestClient { client throws in
            #expect(await redisError { try await client.send([String]()) }?.code == .invalidArgument)
            #expect(try await client.send(["PING"]) == .status("PONG"))
        }
    }

    @Test func pipelineOfThousandIncrementsKeepsOrder() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                let commands = Array(repeating: ["INCR", keys[0]], count: 1000)
                let results = try await client.pipeline(commands)
                #expect(results.count == 1000)
                #expect(try results.map { try $0.get().int64 } == (1...1000).map { Int64($0) })
            }
        }
    }

    @Test func pipelineErrorFailsOnlyItsOwnCommand() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                let results = try await client.pipeline([
                    ["RPUSH", keys[0], "x"], ["INCR", keys[0]], ["LRANGE", keys[0], "0", "-1"],
                ])
                #expect(try results[0].get() == .integer(1))
                #expect(throws: RedisError.self) { try results[1].get() }
                if case .failure(let error) = results[1] { #expect(error.serverErrorPrefix == "WRONGTYPE") }
                #expect(try results[2].get() == .array([.bulk("x")]))
            }
        }
    }

    @Test func pipelineLongerThanTheLimitIsRejected() async throws {
        try await withTestClient(
            try testConfiguration { $0.maximumPipelineLength = 10 }
        ) { client throws in
            let error = await redisError {
                try await client.pipeline(Array(repeating: ["PING"], count: 11))
            }
            #expect(error?.code == .invalidArgument)
            #expect(try await client.pipeline([[String]]()).isEmpty)
        }
    }

    @Test func transactionResultsKeepNestedErrors() async throws {
        try await withTestClient { client throws in
            try await withTemporaryKeys(client, count: 1) { keys throws in
                let results = try await client.withConnection { connection throws in
                    try await connection.pipeline([
                        ["MULTI"], ["SET", keys[0], "v"], ["LPUSH", keys[0], "x"], ["GET", keys[0]], ["EXEC"],
                    ])
                }
                let exec = try results[4].get().elements
                #expect(exec?.count == 3)
                #expect(exec?[0] == .status("OK"))
                if case .error(let message)? = exec?[1] {
                    #expect(message.hasPrefix("WRONGTYPE"))
                } else {
                    Issue.record("expected a nested error, got \(String(describing: exec?[1]))")
                }
                #expect(exec?[2] == .bulk("v"))
            }
        }
    }
}
