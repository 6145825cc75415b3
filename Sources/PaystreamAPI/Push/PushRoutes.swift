import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// `GET /v1/events?groups=GR…,GR…` (authenticated; the caller a member of each group named, 403
/// `push.not_group_member` otherwise): a Server-Sent Events stream of what happens to the
/// caller's money and envelopes: `envelope.available` (to the envelope's group or receiver), `grab.credited`,
/// `envelope.finished` (to the sender), `envelope.refunded`, `refund.done`, `payment.credited`,
/// `withdrawal.updated`. At most 10 streams per account and process (429 `push.too_many_streams`). Each event is `event: <name>` and one `data:` line of JSON; a comment every 15 s
/// (`--push-keep-alive-seconds`) keeps the connection alive. A stream ends, and its subscription with it, as soon
/// as its client closes the connection (``ClientDisconnectWatcher``), and when a check at every
/// ``StreamCredentials/keepAlivesPerCheck``th keep-alive (30 s by default) finds its credentials no longer good:
/// the API client disabled (as the 60 s client cache sees it), or the merchant's session expired, logged out or
/// older than its login's password. Such a stream's last event is `stream.ended` with the code a request would be
/// refused with. `GET /v1/events/ready` answers 200 once this process relays pushes.
struct PushRoutes: Sendable {
    let services: APIServices

    func register(on router: Router<APIRequestContext>) {
        router.get("/v1/events/ready") { request, _ in
            await handle(request, services) { _ in
                guard services.push.isReady else { throw APIError(.serviceUnavailable, "push.not_ready", "the push relay is starting") }
                return .text(.ok, "ready\n")
            }
        }
        router.get("/v1/events") { request, context in
            await handle(request, services) { _ in
                let caller = try Caller.account(of: request)
                let groups = Set(
                    (request.uri.queryParameters.get("groups").map { String($0) } ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }.prefix(20))
                // A group's announcements are its members' only.
                let outside = groups.subtracting(try await services.groups.memberships(of: caller, among: Array(groups)))
                guard outside.isEmpty else {
                    throw APIError.forbidden(
                        "push.not_group_member", "not a member of \(outside.sorted().joined(separator: ", ").prefix(200)): no group of yours by that id")
                }
                let credentials = StreamCredentials(Authenticated.current, security: services.security, now: services.now)
                let hub = services.push
                guard let (id, stream) = hub.subscribe(account: caller.description, groups: groups) else {
                    throw APIError(
                        .tooManyRequests, "push.too_many_streams",
                        "\(PushHub.maxStreamsPerAccount) event streams of this account are open here already; close one first")
                }
                // The stream ends as soon as its client goes, not at the next write that fails.
                let channel = context.channel
                let watcher = ClientDisconnectWatcher { hub.unsubscribe(id) }
                do { try await channel.pipeline.addHandler(watcher, position: .first).get() } catch { hub.unsubscribe(id) }
                // Written by the connection's own task: no task per stream for events or keep-alives (the hub
                // sends those to every connection), since an open stream's memory counts once per client.
                let body = ResponseBody { writer in
                    defer {
                        hub.unsubscribe(id)
                        channel.pipeline.removeHandler(watcher, promise: nil)
                    }
                    try await writer.write(ByteBuffer(string: ": connected as \(caller)\n\n"))
                    streaming: for await delivery in stream {
                        switch delivery {
                        case .event(let event): try await writer.write(ByteBuffer(string: "event: \(event.name)\ndata: \(event.data)\n\n"))
                        case .keepAlive:
                            if let code = await credentials.refusalIfDue() {
                                try await writer.write(ByteBuffer(string: "event: stream.ended\ndata: {\"code\":\"\(code)\"}\n\n"))
                                break streaming
                            }
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        }
                    }
                    try await writer.finish(nil)
                }
                return Response(
                    status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
            }
        }
    }
}

/// What an event stream was opened with, checked again at every ``keepAlivesPerCheck``th keep-alive: a stream lasts
/// longer than any one request, and must not outlive the credentials that opened it.
final class StreamCredentials: Sendable {
    let identity: Authenticated
    let security: APISecurity
    let now: @Sendable () -> Date
    /// Checks are spread out: each costs a cache look-up, and for a merchant a Redis and a PostgreSQL round trip.
    static let keepAlivesPerCheck = 2
    private let keepAlives = Atomic<Int>(0)

    init(_ identity: Authenticated, security: APISecurity, now: @escaping @Sendable () -> Date) {
        self.identity = identity
        self.security = security
        self.now = now
    }

    /// At every ``keepAlivesPerCheck``th keep-alive, ``refusal()``; nil at the others. The check runs in a task of
    /// its own: the stream's connection task keeps the high-water mark of its frames for as long as it is open
    /// (docs/benchmarks.md, "Memory per open event stream"), and the check's calls into Redis and PostgreSQL are deep.
    func refusalIfDue() async -> String? {
        let count = keepAlives.wrappingAdd(1, ordering: .relaxed).newValue
        guard count % Self.keepAlivesPerCheck == 0 else { return nil }
        return await Task { await self.refusal() }.value
    }

    /// The code a request with these credentials would now be refused with; nil while they are good. A check that
    /// cannot be made (Redis or PostgreSQL down) keeps the stream: it is tried again at the next keep-alive.
    func refusal() async -> String? {
        let now = now()
        if let appID = identity.appID {
            do {
                guard try await security.client(appID, now: now) != nil else { return "auth.unknown_app" }
            } catch { return nil }
        }
        if let session = identity.session, let token = identity.sessionToken {
            guard session.expiresAt > now else { return "auth.session_expired" }
            do {
                if try await security.revocation(of: token, session: session) != nil { return "auth.session_revoked" }
            } catch { return nil }
        }
        return nil
    }
}
