import AsyncHTTPClient
import Foundation

/// Runs `body` with a fresh client made the way production makes it, and shuts it down afterwards.
func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Runs `body` against a local listener and stops it afterwards.
func withServer<T>(_ responder: @escaping LocalHTTPServer.Responder, _ body: (LocalHTTPServer) async throws -> T)
    async throws -> T
{
    let server = try await LocalHTTPServer.start(responder)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}
