import Hummingbird
import Logging

/// The operations endpoint of every executable: `/metrics` (Prometheus text format), `/healthz` (the
/// process runs) and `/readyz` (its dependencies answer). A ServiceLifecycle service; stops on SIGTERM.
public struct OpsServer {
    /// Returns nil when ready, or what is not ready yet.
    public typealias ReadinessCheck = @Sendable () async -> String?

    public static func make(
        host: String, port: Int, serverName: String, logger: Logger, readiness: @escaping ReadinessCheck = { nil }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            if let problem = await readiness() {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready: \(problem)\n")))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            let text = Observability.registry?.emitToBuffer() ?? []
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            logger: logger)
    }
}
