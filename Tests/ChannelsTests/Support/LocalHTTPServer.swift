import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 listener on 127.0.0.1 for testing the transport (timeouts, retries, error mapping).
/// It is not a fake channel: each test answers with exactly the bytes it needs.
final class LocalHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: [UInt8] = []
    }

    /// Answers a request; `nil` means never answer (the connection stays open and silent).
    typealias Responder = @Sendable (_ index: Int, _ request: Request) -> Reply?

    private let channel: any Channel
    private let requests: Mutex<[Request]>

    var port: Int { channel.localAddress?.port ?? 0 }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var received: [Request] { requests.withLock { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
        self.requests = Mutex([])
    }

    static func start(_ responder: @escaping Responder) async throws -> LocalHTTPServer {
        let log = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(responder: responder, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = LocalHTTPServer(channel: channel)
        log.server.withLock { $0 = server }
        return server
    }

    func record(_ request: Request) -> Int {
        requests.withLock {
            $0.append(request)
            return $0.count - 1
        }
    }

    func stop() async throws { try await channel.close() }

    final class Box: Sendable {
        let server = Mutex<LocalHTTPServer?>(nil)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let responder: Responder
        let log: Box
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(responder: @escaping Responder, log: Box) {
            self.responder = responder
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head, let server = log.server.withLock({ $0 }) else { return }
                let request = Request(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                    body: body)
                let index = server.record(request)
                guard let reply = responder(index, request) else { return }
                var headers = HTTPHeaders(reply.headers.map { ($0.key, $0.value) })
                headers.replaceOrAdd(name: "Content-Length", value: String(reply.body.count))
                let status = HTTPResponseStatus(statusCode: reply.status)
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
