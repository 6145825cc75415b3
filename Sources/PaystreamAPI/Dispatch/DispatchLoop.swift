import Logging
import ServiceLifecycle

/// Runs `once` until graceful shutdown: again at once while it finds work, after `interval` when it found
/// none, after 2 s when it failed (logged; the next round retries).
func runDispatchLoop(_ what: String, interval: Duration, logger: Logger, _ once: () async throws -> Int) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        do {
            if try await once() == 0 { try? await Task.sleep(for: interval) }
        } catch {
            logger.error("\(what) failed; retrying", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: .seconds(2))
        }
    }
}
