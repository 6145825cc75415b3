import Logging
import Redis
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The test server's configuration (PAYSTREAM_REDIS_URL), adjusted by `adjust`.
func testConfiguration(_ adjust: (inout RedisConfiguration) -> Void = { _ in }) throws
    -> RedisConfiguration
{
    var configuration = try RedisConfiguration(url: TestEnvironment.redisURL())
    adjust(&configuration)
    return configuration
}

/// Runs `body` with a client (on the test server unless `configuration` says otherwise) and shuts the client
/// down afterwards, even on failure.
func withTestClient<T>(
    _ configuration: RedisConfiguration? = nil,
    _ body: (RedisClient) async throws -> T
) async throws -> T {
    let client = RedisClient(
        configuration: try configuration ?? testConfiguration(), logger: Logger(label: "redis-tests"))
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

/// A standalone connection, outside any pool, for inspecting the server (CLIENT LIST, CLIENT KILL).
func adminConnection() async throws -> RedisConnection {
    try await RedisConnection.connect(configuration: try testConfiguration())
}

/// Milliseconds elapsed while running `body`.
func measureMilliseconds<T>(_ body: () async throws -> T) async rethrows -> (T, Int) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await body()
    let elapsed = clock.now - start
    let milliseconds = Int(
        elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    return (result, milliseconds)
}

/// Waits (up to 2 s) until the server shows connection `id` blocked in BLPOP.
func waitUntilBlockedInBLPOP(_ id: Int64, admin: RedisConnection) async throws {
    for _ in 0..<100 {
        let info = try await admin.send(["CLIENT", "LIST", "ID", String(id)]).string ?? ""
        if info.contains("cmd=blpop") { return }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// The names of the connections `CLIENT LIST` shows, one entry per connection.
func connectionNames(on admin: RedisConnection) async throws -> [String] {
    let list = try await admin.send(["CLIENT", "LIST"]).string ?? ""
    return list.split(separator: "\n").compactMap { line in
        line.split(separator: " ").first(where: { $0.hasPrefix("name=") }).map {
            String($0.dropFirst(5))
        }
    }
}

/// A TCP socket listening on 127.0.0.1 on a port the kernel picks, which accepts (through the kernel backlog)
/// but never reads or answers: a server that hangs.
final class SilentListener {
    let port: Int
    private let descriptor: Int32

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(step: "socket") }
        port = try SilentListener.bindToLoopback(descriptor)
        guard listen(descriptor, 16) == 0 else { throw SocketError(step: "listen") }
    }

    deinit {
        Glibc.close(descriptor)
    }

    static func bindToLoopback(_ descriptor: Int32) throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw SocketError(step: "bind") }
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(descriptor, $0, &length)
            }
        }
        guard named == 0 else { throw SocketError(step: "getsockname") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct SocketError: Error, CustomStringConvertible {
        let step: String
        let code = errno
        var description: String { "\(step) failed: \(String(cString: strerror(code)))" }
    }
}

/// Runs `body` with fresh unique key names and deletes those keys afterwards, even on failure.
func withTemporaryKeys<T>(
    _ client: RedisClient, count: Int, _ body: ([String]) async throws -> T
) async throws -> T {
    let keys = (0..<count).map { TestEnvironment.uniqueName("paystream-test-redis-\($0)") }
    do {
        let result = try await body(keys)
        _ = try await client.send(["DEL"] + keys)
        return result
    } catch {
        _ = try? await client.send(["DEL"] + keys)
        throw error
    }
}

/// The `RedisError` that `body` throws, or nil if it succeeds (or throws something else).
func redisError<T>(_ body: () async throws -> T) async -> RedisError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? RedisError
    }
}

/// A loopback port that refuses connections for as long as this value lives: bound, never listened on, so a
/// connect gets ECONNREFUSED at once and no other process of a parallel test run can take the port meanwhile
/// (a port merely released could be taken and answer).
final class RefusingPort {
    let port: Int
    private let descriptor: Int32

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SilentListener.SocketError(step: "socket") }
        do {
            port = try SilentListener.bindToLoopback(descriptor)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
    }

    deinit {
        Glibc.close(descriptor)
    }
}
