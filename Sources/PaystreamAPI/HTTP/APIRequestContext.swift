import Hummingbird
import NIOCore

/// The request context of every API route: Hummingbird's core storage and the connection the request came on.
/// Only the event stream (``PushRoutes``) uses the connection, to learn that its client has gone.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
