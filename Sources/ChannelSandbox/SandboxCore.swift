import Foundation
import Hummingbird
import Logging
import PaystreamCore
import Synchronization

/// What every endpoint of the sandbox shares: configuration, keys, state, the notify sender and the background
/// work that finishes refunds and payouts later.
struct SandboxCore: Sendable {
    let configuration: SandboxConfiguration
    let keys: SandboxKeys
    let state: SandboxState
    /// The simulated bank's cards and the simulated SMS gateway's messages.
    let identities: SandboxIdentities
    let work: BackgroundWork
    let notifier: NotifySender
    let wechatSigning: WeChatPaySigning
    let bound: BoundAddress
    let logger: Logger

    /// The base URL to put into links given to the caller of `request`: the configured public URL, else the
    /// `Host` the caller used, else the bound address.
    func baseURL(for request: Request) -> String {
        if let configured = configuration.publicBaseURL { return configured }
        if let authority = request.head.authority, !authority.isEmpty { return "http://\(authority)" }
        return bound.baseURL ?? "http://\(configuration.host):\(configuration.port)"
    }

    /// Runs `job` after the configured settle delay, in the background.
    func settleLater(_ job: @escaping @Sendable () async -> Void) {
        let delay = configuration.settleDelay
        let accepted = work.submit {
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await job()
        }
        if !accepted { logger.error("background queue full; a refund or payout stays unfinished") }
    }

    /// Sends `notify` (if any) under the notify faults in force now.
    func send(_ notify: OutboundNotify?) async {
        guard let notify else { return }
        let faults = await state.faults.notify ?? SandboxFaults.Notify()
        await notifier.send(notify, faults: faults)
    }
}

/// The address the server listens on, known once it is bound.
final class BoundAddress: Sendable {
    private struct Box: ~Copyable {
        var port: Int?
        var failure: String?
        var waiters: [CheckedContinuation<Int, any Error>] = []
    }
    private let box = Mutex(Box())
    let host: String

    init(host: String) { self.host = host }

    var baseURL: String? {
        box.withLock { $0.port }.map { "http://\(host.contains(":") ? "[\(host)]" : host):\($0)" }
    }

    func set(port: Int) {
        let waiters = box.withLock { box in
            box.port = port
            defer { box.waiters = [] }
            return box.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    func fail(_ error: any Error) {
        let waiters = box.withLock { box in
            box.failure = "\(error)"
            defer { box.waiters = [] }
            return box.waiters
        }
        for waiter in waiters { waiter.resume(throwing: SandboxConfigurationError(message: "the sandbox did not start: \(error)")) }
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, any Error>? = box.withLock { box in
                if let port = box.port { return .success(port) }
                if let failure = box.failure {
                    return .failure(SandboxConfigurationError(message: "the sandbox did not start: \(failure)"))
                }
                box.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
