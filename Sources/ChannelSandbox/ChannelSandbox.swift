import AsyncHTTPClient
import Foundation
import NIOSSL
import Hummingbird
import Logging
import Synchronization

/// paystream-sim: SIMULATED WeChat Pay v3, Alipay and Bill99 channels for development and tests. It serves the
/// channels' endpoints in their real formats, signs with its own keys, keeps orders in memory, "scans and pays"
/// on request, sends real-format notifies with retries and injected faults, and produces daily bill files.
///
/// Guarantees: it is never a real channel and moves no money; its state lives in memory only and is gone when it
/// stops; it binds to loopback unless configured otherwise; background work (notify retries, refunds and payouts
/// finishing) runs inside ``run(stateDirectory:handleSignals:)`` and stops with it.
public struct ChannelSandbox: Sendable {
    public let configuration: SandboxConfiguration
    public let keys: SandboxKeys
    let core: SandboxCore

    public init(
        configuration: SandboxConfiguration = SandboxConfiguration(), keys: SandboxKeys,
        logger: Logger = Logger(label: "paystream-sim")
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.keys = keys
        let state = SandboxState(maxOrders: configuration.maxOrders, maxNotifyRecords: configuration.maxNotifyRecords)
        let work = BackgroundWork()
        core = SandboxCore(
            configuration: configuration, keys: keys, state: state, identities: SandboxIdentities(), work: work,
            notifier: NotifySender(
                state: state, work: work, schedule: configuration.notifyRetrySchedule,
                timeout: configuration.notifyTimeout, logger: logger, client: try Self.notifyClient(configuration)),
            wechatSigning: WeChatPaySigning(
                keys: keys, merchantID: configuration.wechatMerchantID, tolerance: configuration.timestampTolerance),
            bound: BoundAddress(host: configuration.host), logger: logger)
    }

    /// The notify client trusting `notifyTrustRootsPath`: one per path for the life of the process, like
    /// `HTTPClient.shared` (a client must be shut down before it is released, and a sandbox whose client was
    /// released with it crashed a test run; nothing here ever needs to release one).
    static func notifyClient(_ configuration: SandboxConfiguration) throws -> HTTPClient {
        guard let path = configuration.notifyTrustRootsPath else { return .shared }
        if let known = trustingClients.withLock({ $0[path] }) { return known }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
        let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        return trustingClients.withLock { clients in
            if let raced = clients[path] {
                try? made.syncShutdown()
                return raced
            }
            clients[path] = made
            return made
        }
    }

    private static let trustingClients = Mutex<[String: HTTPClient]>([:])

    /// The port the server listens on, once it does (throws if it failed to start).
    public func boundPort() async throws -> Int { try await core.bound.wait() }

    /// `http://host:port` of the running server.
    public func baseURL() async throws -> String {
        _ = try await boundPort()
        return core.bound.baseURL ?? ""
    }

    /// Every route of the sandbox: the three channels, Bill99's card verification, the SMS gateway and the
    /// `/sandbox/` control API.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        WeChatPayEndpoints(core: core).register(on: router)
        AlipayEndpoints(core: core).register(on: router)
        Bill99Endpoints(core: core).register(on: router)
        Bill99CardVerification(core: core).register(on: router)
        SMSGatewayEndpoints(core: core).register(on: router)
        WeChatOAuthEndpoints(core: core).register(on: router)
        ControlEndpoints(core: core).register(on: router)
        return router
    }

    /// Serves until the surrounding task is cancelled, or (with `handleSignals`) until SIGTERM or SIGINT.
    /// Once listening it writes its public material and the merchant keys it expects to `stateDirectory`.
    public func run(stateDirectory: URL? = nil, handleSignals: Bool = false) async throws {
        let bound = core.bound
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "paystream-sim"),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { bound.set(port: port) }
            },
            logger: core.logger)
        let core = self.core
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await core.work.run()
                    return false
                }
                group.addTask {
                    if handleSignals { try await app.runService() } else { try await app.run() }
                    return true
                }
                if let stateDirectory {
                    group.addTask {
                        _ = try await bound.wait()
                        let summary = try SandboxStateFiles.write(
                            keys: core.keys, configuration: core.configuration,
                            baseURL: core.configuration.publicBaseURL ?? bound.baseURL ?? "", to: stateDirectory)
                        core.logger.info(
                            "paystream-sim (SIMULATED channels) listening",
                            metadata: ["baseURL": "\(summary.baseURL)", "stateDir": "\(stateDirectory.path)"])
                        return false
                    }
                }
                while let serverFinished = try await group.next() {
                    if serverFinished {
                        core.work.finish()
                        group.cancelAll()
                        break
                    }
                }
            }
        } catch {
            bound.fail(error)
            throw error
        }
        bound.fail(CancellationError())  // wakes anyone still waiting for a port that will never come
    }
}
