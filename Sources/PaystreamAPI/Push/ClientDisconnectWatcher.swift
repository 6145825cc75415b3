import NIOCore

/// Tells an event stream that its client has gone. While the stream is open it sits first in the connection's
/// pipeline (nearest the socket) and calls `gone` when the client closes its side or the connection closes.
///
/// Why it is needed: the server lets HTTP clients half-close (a FIN alone does not close the connection), and an
/// event stream writes only when there is an event or a keep-alive. Without the watcher, a stream whose client
/// left held its connection, its file descriptor and its buffers until a write failed, up to the 15 s keep-alive
/// and beyond: a burst of short-lived streams (clients that connect, take their tokens and go) kept thousands of
/// dead connections open.
final class ClientDisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let gone: @Sendable () -> Void

    init(gone: @escaping @Sendable () -> Void) { self.gone = gone }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { gone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        gone()
        context.fireChannelInactive()
    }
}
