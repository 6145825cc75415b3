import Foundation
import Synchronization

/// The clients connected to this API process for push (Server-Sent Events), by account and by group.
///
/// Guarantees: an event goes to every connection of its account (or of a member of its group) that is open
/// when it is delivered; a slow client's buffer is bounded (the oldest events beyond 256 are dropped for it,
/// never blocking delivery to others); a closed connection is forgotten; ``runKeepAlive(every:)`` sends every
/// open connection a keep-alive once per interval, from one loop, so that no connection needs a timer task of
/// its own.
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
        var groups: Set<String>
        let continuation: AsyncStream<Delivery>.Continuation
        /// Numbered in subscription order: the keep-alive turn of a connection is its number modulo the turns.
        let number: Int
    }

    private struct Registry {
        var byID: [UUID: Subscriber] = [:]
        /// The connections of each account, so that a push to one account does not look at every connection.
        var byAccount: [String: Set<UUID>] = [:]
        /// The connections of each group, likewise for a push to a group.
        var byGroup: [String: Set<UUID>] = [:]
        var subscribed = 0
    }

    private let subscribers = Mutex(Registry())
    private let ready = Atomic<Bool>(false)

    /// True once the relay from Kafka is assigned its partitions: events published from now on are pushed.
    var isReady: Bool { ready.load(ordering: .acquiring) }
    func markReady() { ready.store(true, ordering: .releasing) }

    /// Streams one account may hold open in one process: a client needs one (a few while it reconnects); each
    /// costs memory for as long as it is open, so one account's credentials cannot hold thousands.
    static let maxStreamsPerAccount = 10

    /// A new subscription, or nil when `account` holds ``maxStreamsPerAccount`` already.
    func subscribe(account: String, groups: Set<String>) -> (UUID, AsyncStream<Delivery>)? {
        let (stream, continuation) = AsyncStream<Delivery>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        let admitted = subscribers.withLock { registry -> Bool in
            guard (registry.byAccount[account]?.count ?? 0) < Self.maxStreamsPerAccount else { return false }
            registry.byID[id] = Subscriber(account: account, groups: groups, continuation: continuation, number: registry.subscribed)
            registry.subscribed &+= 1
            registry.byAccount[account, default: []].insert(id)
            for group in groups { registry.byGroup[group, default: []].insert(id) }
            return true
        }
        guard admitted else {
            continuation.finish()
            return nil
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        let removed = subscribers.withLock { registry -> Subscriber? in
            guard let removed = registry.byID.removeValue(forKey: id) else { return nil }
            registry.byAccount[removed.account]?.remove(id)
            if registry.byAccount[removed.account]?.isEmpty == true { registry.byAccount[removed.account] = nil }
            for group in removed.groups {
                registry.byGroup[group]?.remove(id)
                if registry.byGroup[group]?.isEmpty == true { registry.byGroup[group] = nil }
            }
            return removed
        }
        removed?.continuation.finish()
    }

    /// Takes `group` out of every subscription of `account` (it left the group, or was removed): the group's
    /// announcements no longer reach those connections. Answers how many connections it changed.
    @discardableResult
    func leave(account: String, group: String) -> Int {
        subscribers.withLock { registry in
            var changed = 0
            for id in registry.byAccount[account] ?? [] where registry.byID[id]?.groups.contains(group) == true {
                registry.byID[id]?.groups.remove(group)
                registry.byGroup[group]?.remove(id)
                changed += 1
            }
            if registry.byGroup[group]?.isEmpty == true { registry.byGroup[group] = nil }
            return changed
        }
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
        let targets = subscribers.withLock { registry in
            (registry.byGroup[group] ?? []).compactMap { registry.byID[$0]?.continuation }
        }
        for continuation in targets { continuation.yield(.event(event)) }
        return targets.count
    }

    /// Sends a keep-alive to the open connections of keep-alive turn `turn` of `turns` (every connection when
    /// `turns` is 1); returns how many.
    @discardableResult
    func keepAlive(turn: Int = 0, of turns: Int = 1) -> Int {
        let targets = subscribers.withLock { registry in
            registry.byID.values.filter { $0.number % turns == turn }.map(\.continuation)
        }
        for continuation in targets { continuation.yield(.keepAlive) }
        return targets.count
    }

    /// How many turns one keep-alive interval is cut into: a turn every quarter of a second, at most 60.
    static func keepAliveTurns(every interval: Duration) -> Int {
        max(1, min(60, Int(interval / .milliseconds(250))))
    }

    /// Sends every connection a keep-alive once per `interval`, until the task is cancelled: in
    /// ``keepAliveTurns(every:)`` turns spread over the interval, each reaching its share of the connections.
    ///
    /// Why turns: keep-alives to every connection at once were a burst of writes that delayed every request
    /// arriving meanwhile, every interval (with 8,000 streams open, 1.33 cores for 100 ms, and a request waited up
    /// to 97 ms; docs/benchmarks.md).
    func runKeepAlive(every interval: Duration) async {
        let turns = Self.keepAliveTurns(every: interval)
        var turn = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval / turns) } catch { return }
            keepAlive(turn: turn, of: turns)
            turn = (turn + 1) % turns
        }
    }
}
