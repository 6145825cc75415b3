import Testing

@testable import Redis

@Suite struct RedisConfigurationTests {
    @Test func parsesFullURL() throws {
        let configuration = try RedisConfiguration(url: "redis://app:s%40cret@10.0.0.5:6380/3")
        #expect(configuration.host == "10.0.0.5")
        #expect(configuration.port == 6380)
        #expect(configuration.username == "app")
        #expect(configuration.password == "s@cret")
        #expect(configuration.database == 3)
        #expect(configuration.description == "redis://app:***@10.0.0.5:6380/3")
    }

    @Test func parsesPasswordOnlyAndDefaults() throws {
        let configuration = try RedisConfiguration(url: "redis://:pw@localhost")
        #expect(configuration.username == nil)
        #expect(configuration.password == "pw")
        #expect(configuration.port == 6379)
        #expect(configuration.database == 0)
        #expect(configuration.connectTimeoutMilliseconds == 2000)
        #expect(configuration.commandTimeoutMilliseconds == 2000)
        #expect(configuration.poolSize == 8)
        #expect(!configuration.description.contains("pw"))
    }

    @Test(arguments: [
        "http://127.0.0.1:6379", "rediss://127.0.0.1:6379", "redis://127.0.0.1:6379/x",
        "redis://127.0.0.1:0",
        "redis://127.0.0.1:6379/0?timeout=1", "redis:///0",
    ])
    func rejectsBadURL(_ url: String) {
        #expect {
            try RedisConfiguration(url: url)
        } throws: { error in
            (error as? RedisError)?.code == .invalidArgument
        }
    }

    @Test func rejectsBadSettings() {
        var configuration = RedisConfiguration()
        configuration.poolSize = 0
        #expect(throws: RedisError.self) { try configuration.validate() }
        configuration = RedisConfiguration(clientName: "has space")
        #expect(throws: RedisError.self) { try configuration.validate() }
    }

    @Test func errorsAreRetriableOnlyWhenTheyMayPassLater() {
        #expect(RedisError(code: .timeout, message: "t").isRetriable)
        #expect(RedisError(code: .server, message: "LOADING Redis is loading").isRetriable)
        #expect(!RedisError(code: .server, message: "WRONGTYPE Operation against a key").isRetriable)
        #expect(
            RedisError(code: .server, message: "NOSCRIPT No matching").serverErrorPrefix == "NOSCRIPT")
        #expect(!RedisError(code: .closed, message: "c").isRetriable)
        #expect("\(RedisError(code: .io, message: "boom"))".contains("RedisConfigurationTests.swift"))
    }
}
