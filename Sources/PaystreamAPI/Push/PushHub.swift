import Foundation
import Synchronization

/// The clients connected to this API process for push (Server-Sent Events), by account and by group.
///
/// Guarantees: an event goes to every connection of its account (or of a member of its group) that is open
/// when it is delivered; a slow client's buffer is bounded (the oldest events beyond 256 are dropped for it,
/// never blocking delivery to others); a closed connection is forgotten; ``keepAlive()`` reaches every open
/// connection, so that no connection needs a timer task of its own.
final class PushHub: Sendable {
    struct Event: Sendable, Equatable {
        /// The SSE event name: envelope.available, grab.credited, envelope.finished, refund.done, …
        let name: String
        /// One line of JSON.
        let data: String
    }

    /// What a connection's stream yields: an event, or the hub's periodic keep-alive.
    enum Delivery: Sendable, Equatable {
        case event(Event)
        case keepAlive
    }

    private struct Subscriber {
        let account: String
        let groups: Set<String>
        let continuation: AsyncStream<Delivery>.Continuation
    }

    private struct Registry {
        var byID: [UUID: Subscriber] = [:]
        /// The connections of each account, so that a push to one account does not look at every connection.
        var byAccount: [String: Set<UUID>] = [:]
    }

    private let subscribers = Mutex(Registry())
    private let ready = Atomic<Bool>(false)

    /// True once the relay from Kafka is assigned its partitions: events published from now on are pushed.
    var isReady: Bool { ready.load(ordering: .acquiring) }
    func markReady() { ready.store(true, ordering: .releasing) }

    func subscribe(account: String, groups: Set<String>) -> (UUID, AsyncStream<Delivery>) {
        let (stream, continuation) = AsyncStream<Delivery>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        subscribers.withLock { registry in
            registry.byID[id] = Subscriber(account: account, groups: groups, continuation: continuation)
            registry.byAccount[account, default: []].insert(id)
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        let removed = subscribers.withLock { registry -> Subscriber? in
            guard let removed = registry.byID.removeValue(forKey: id) else { return nil }
            registry.byAccount[removed.account]?.remove(id)
            if registry.byAccount[removed.account]?.isEmpty == true { registry.byAccount[removed.account] = nil }
            return removed
        }
        removed?.continuation.finish()
    }

    /// Delivers to the connections of `account`; returns how many got it.
    @discardableResult
    func deliver(_ event: Event, toAccount account: String) -> Int {
        let targets = subscribers.withLock { registry in
            (registry.byAccount[account] ?? []).compactMap { registry.byID[$0]?.continuation }
        }
        for continuation in targets { continuation.yield(.event(event)) }
        return targets.count
    }

    /// Delivers to the connections subscribed to `group`; returns how many got it.
    @discardableResult
    func deliver(_ event: Event, toGroup group: String) -> Int {
        let targets = subscribers.withLock { $0.byID.values.filter { $0.groups.contains(group) }.map(\.continuation) }
        for continuation in targets { continuation.yield(.event(event)) }
        return targets.count
    }

    /// Sends a keep-alive to every open connection; returns how many.
    @discardableResult
    func keepAlive() -> Int {
        let targets = subscribers.withLock { $0.byID.values.map(\.continuation) }
        for continuation in targets { continuation.yield(.keepAlive) }
        return targets.count
    }

    /// Sends a keep-alive to every connection every `interval`, until the task is cancelled.
    func runKeepAlive(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            keepAlive()
        }
    }
}
