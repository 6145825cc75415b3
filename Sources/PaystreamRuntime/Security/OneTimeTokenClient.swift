import AsyncHTTPClient
import Foundation
import NIOCore
import PaystreamCore
import Synchronization

/// The client side of one-time tokens, done the way a real client must: per account, an open event stream
/// (`GET /v1/events`, Server-Sent Events) that collects `token.issued` pushes into a small wallet, and
/// `POST /v1/tokens` when the wallet is empty. Used by the demo, the benchmarks and the tests through
/// ``ProvisionedIdentities``; a token taken from the wallet is never handed out twice.
public final class OneTimeTokenClient: Sendable {
    /// Signs a request of `account` (the headers a real client sends).
    public typealias Signer = @Sendable (_ method: String, _ url: String, _ body: [UInt8]) async throws -> [(name: String, value: String)]

    let apiURL: String
    let http: HTTPClient
    /// How many tokens one request asks for.
    let batch: Int
    /// When set, an account also asks for its next batch ahead of need once all its tokens expire within a time
    /// drawn from this range (once per account): clients that all fetched their tokens at the same moment then
    /// renew them spread over the range instead of all at once when they expire.
    let renewAhead: ClosedRange<TimeInterval>?
    private let wallets = Mutex<[String: Wallet]>([:])

    /// The event streams' own client: one connection per account stays open, which the shared client's pool
    /// (a handful of connections per host) must not be starved by. Its limit is above any number of accounts a
    /// benchmark keeps connected (the process's descriptor limit is the real one): at 8,192, the ten-minute mixed
    /// run's 8,700 accounts (7,500 users and 1,200 grabbers) left 508 of them waiting for a connection that never
    /// freed, and their requests failed with `getConnectionFromPoolTimeout`.
    static let streams = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(
            timeout: .init(connect: .seconds(10), read: nil),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1 << 16)))

    public init(apiURL: String, http: HTTPClient = .shared, batch: Int = 10, renewAhead: ClosedRange<TimeInterval>? = nil) {
        precondition((1...OneTimeTokenRule.maxBatch).contains(batch), "a batch is 1...\(OneTimeTokenRule.maxBatch) tokens")
        self.apiURL = apiURL
        self.http = http
        self.batch = batch
        self.renewAhead = renewAhead
    }

    /// An unused token of `account`: from its wallet, else asked for (the stream opened first) and waited for.
    /// A token is handed out only while it has more than ``expiryMargin`` to live (the API's lifetime, pushed with
    /// it, counted from its arrival); older ones are dropped, so a long-running client asks for fresh ones. When
    /// fewer than ``lowWater`` are left (or, with ``renewAhead``, when all left expire soon), the next batch is
    /// asked for in the background; and one batch at a time per account: callers that find the wallet empty while
    /// a batch is on its way wait for it instead of asking again (a caller making many requests at once would
    /// otherwise ask for a batch per request).
    public func token(for account: AccountID, sign: @escaping Signer) async throws -> String {
        try await entry(for: account, sign: sign).token
    }

    /// Seconds of life a token must have left to be handed out: room for the request that carries it to arrive.
    static let expiryMargin: TimeInterval = 15

    /// Below this many tokens left, the next batch is asked for ahead of need.
    var lowWater: Int { max(1, batch / 4) }

    private func entry(for account: AccountID, sign: @escaping Signer) async throws -> Wallet.Entry {
        let wallet = self.wallet(account.description)
        if let token = wallet.take() {
            if wallet.count < lowWater || wallet.allExpire(within: wallet.renewAhead), wallet.beginRefill() {
                refillInBackground(wallet, account: account, sign: sign)
            }
            return token
        }
        for _ in 1...3 {
            if wallet.beginRefill() {
                let token: Wallet.Entry?
                do {
                    try await ask(wallet, account: account, sign: sign)
                    token = await wallet.waitForToken(seconds: 15)
                } catch {
                    wallet.endRefill()
                    throw error
                }
                wallet.endRefill()
                if let token { return token }
                // The push was lost (the stream was not yet known to the relay, or closed): open it again, ask again.
                wallet.disconnect()
            } else if let token = await wallet.waitForToken(seconds: 15) {
                return token
            }
        }
        throw ProvisioningError(description: "no one-time token of \(account) arrived on its event stream")
    }

    /// Asks for `wallet`'s next batch without waiting for it; the caller won ``Wallet/beginRefill()``.
    private func refillInBackground(_ wallet: Wallet, account: AccountID, sign: @escaping Signer) {
        Task {
            defer { wallet.endRefill() }
            let before = wallet.batchesReceived
            guard (try? await self.ask(wallet, account: account, sign: sign)) != nil else { return }
            // Stay the one refill until the batch came (or 15 s), so that no second one is asked for meanwhile.
            let deadline = Date().addingTimeInterval(15)
            while wallet.batchesReceived == before && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }

    /// With ``renewAhead``: asks, in the background, for the next batch of every account whose tokens all expire
    /// within its drawn renewal time (at most one batch on its way per account, as on use). Called on a timer,
    /// the way a client keeps its tokens fresh: renewing only when a token is taken leaves an account that makes
    /// no request in that window with an empty wallet, and its next money-moving request waits for a push.
    /// Returns how many accounts were asked for.
    @discardableResult
    public func renewExpiring(sign: @escaping @Sendable (AccountID) -> Signer) -> Int {
        guard renewAhead != nil else { return 0 }
        let all = wallets.withLock { Array($0) }
        var asked = 0
        for (name, wallet) in all {
            guard wallet.allExpire(within: wallet.renewAhead), let account = AccountID(name), wallet.beginRefill() else { continue }
            refillInBackground(wallet, account: account, sign: sign(account))
            asked += 1
        }
        return asked
    }

    /// Opens the account's event stream unless it is open, then asks for a batch of tokens (they come over the stream).
    private func ask(_ wallet: Wallet, account: AccountID, sign: Signer) async throws {
        try await wallet.connect { generation in try await self.openStream(into: wallet, generation: generation, sign: sign) }
        var request = HTTPClientRequest(url: apiURL + "/v1/tokens")
        request.method = .POST
        let body = Array("{\"count\":\(batch)}".utf8)
        for (name, value) in try await sign("POST", apiURL + "/v1/tokens", body) { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: .seconds(30))
        let reply = try await response.body.collect(upTo: 1 << 16)
        guard response.status.code == 202 else {
            throw ProvisioningError(description: "POST /v1/tokens for \(account) answered \(response.status.code): \(String(buffer: reply))")
        }
    }

    /// Fetches a token for each of `accounts` ahead of use, `concurrency` accounts at a time, and closes each
    /// stream once its token came: the token waits in the account's wallet for ``token(for:sign:)``.
    public func prefetch(_ accounts: [AccountID], concurrency: Int = 128, sign: @escaping @Sendable (AccountID) -> Signer) async throws {
        try await forEachConcurrently(accounts, width: concurrency) { account in
            let wallet = self.wallet(account.description)
            if wallet.count > 0 { return }
            let token = try await self.entry(for: account, sign: sign(account))
            wallet.putBack(token)
            wallet.disconnect()
        }
    }

    /// Closes the account's stream and forgets its unused tokens.
    public func release(_ account: AccountID) {
        let wallet = wallets.withLock { $0.removeValue(forKey: account.description) }
        wallet?.disconnect()
    }

    /// Closes every stream.
    public func releaseAll() {
        let all = wallets.withLock { wallets in
            defer { wallets.removeAll() }
            return Array(wallets.values)
        }
        for wallet in all { wallet.disconnect() }
    }

    func wallet(_ account: String) -> Wallet {
        wallets.withLock { wallets in
            if let known = wallets[account] { return known }
            let made = Wallet(renewAhead: renewAhead.map { TimeInterval.random(in: $0) })
            wallets[account] = made
            return made
        }
    }

    /// Opens `GET /v1/events` and returns once the API answered its head (the connection is then registered
    /// with the API's push hub); a task reads the stream into the wallet until it ends.
    private func openStream(into wallet: Wallet, generation: Int, sign: Signer) async throws -> Task<Void, Never> {
        var request = HTTPClientRequest(url: apiURL + "/v1/events")
        for (name, value) in try await sign("GET", apiURL + "/v1/events", []) { request.headers.add(name: name, value: value) }
        let response = try await Self.streams.execute(request, timeout: .hours(24))
        guard response.status == .ok else {
            let reply = try? await response.body.collect(upTo: 1 << 16)
            throw ProvisioningError(description: "GET /v1/events answered \(response.status.code): \(reply.map { String(buffer: $0) } ?? "")")
        }
        return Task {
            var pending = ""
            do {
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending.removeSubrange(..<end.upperBound)
                        if let issued = Self.tokens(inEvent: block) {
                            let until = Date().addingTimeInterval(TimeInterval(issued.expiresInSeconds) - Self.expiryMargin)
                            wallet.add(issued.tokens.map { Wallet.Entry(token: $0, usableUntil: until) }, from: generation)
                        }
                    }
                }
            } catch {}
            wallet.streamEnded(generation)
        }
    }

    /// The tokens of one SSE event block and their lifetime, if it is a `token.issued` event.
    static func tokens(inEvent block: String) -> (tokens: [String], expiresInSeconds: Int)? {
        var name = "", data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        guard name == OneTimeTokenRule.pushEvent,
            let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
        else { return nil }
        guard let tokens = object["tokens"] as? [String] else { return nil }
        return (tokens, object["expiresInSeconds"] as? Int ?? OneTimeTokenRule.lifetimeSeconds)
    }

    /// One account's unused tokens and its event stream.
    final class Wallet: Sendable {
        struct Entry: Sendable {
            let token: String
            let usableUntil: Date
        }
        private struct State {
            var tokens: [Entry] = []
            var stream: Task<Void, Never>?
            /// Which opening `stream` is: a stream that ends forgets itself only if it is still the current one.
            var generation = 0
            var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
            /// A batch has been asked for and has not come yet.
            var refilling = false
            var batchesReceived = 0
        }
        private let state = Mutex(State())
        /// One stream opening at a time.
        private let opening = Mutex(false)
        /// Renew once every token left expires within this many seconds (nil: only when few are left).
        let renewAhead: TimeInterval?

        init(renewAhead: TimeInterval? = nil) { self.renewAhead = renewAhead }

        var count: Int { state.withLock { $0.tokens.count } }

        /// True when every token left is unusable `seconds` from now (false for nil).
        func allExpire(within seconds: TimeInterval?, now: Date = Date()) -> Bool {
            guard let seconds else { return false }
            return state.withLock { state in state.tokens.allSatisfy { $0.usableUntil <= now.addingTimeInterval(seconds) } }
        }

        /// The first token still usable; those past their time are dropped.
        func take(now: Date = Date()) -> Entry? {
            state.withLock { state in
                while !state.tokens.isEmpty {
                    let first = state.tokens.removeFirst()
                    if first.usableUntil > now { return first }
                }
                return nil
            }
        }

        /// Tokens pushed on the stream of `generation`: kept only if that stream is the current one. A stream
        /// being replaced (its push was late, a new stream asked again) is still registered with the API for a
        /// moment and receives the new stream's pushes too; keeping both copies would hand a token out twice.
        func add(_ tokens: [Entry], from generation: Int) {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                guard state.generation == generation else { return [] }
                state.tokens += tokens
                state.batchesReceived += 1
                defer { state.waiters.removeAll() }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
        }

        var batchesReceived: Int { state.withLock { $0.batchesReceived } }

        /// True for the caller that may ask for the next batch now (none is on its way); it calls ``endRefill()``.
        func beginRefill() -> Bool {
            state.withLock { state in
                if state.refilling { return false }
                state.refilling = true
                return true
            }
        }

        func endRefill() {
            state.withLock { $0.refilling = false }
        }

        /// A token taken and not used, first in line again.
        func putBack(_ token: Entry) {
            state.withLock { $0.tokens.insert(token, at: 0) }
        }

        /// Opens the stream with `open` (given the opening's generation) unless one is open (or being opened by
        /// another caller, then waits).
        func connect(_ open: (Int) async throws -> Task<Void, Never>) async throws {
            while true {
                if state.withLock({ $0.stream != nil }) { return }
                let mine = opening.withLock { busy in
                    if busy { return false }
                    busy = true
                    return true
                }
                if mine { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            defer { opening.withLock { $0 = false } }
            let generation = state.withLock { state in
                state.generation += 1
                return state.generation
            }
            let task = try await open(generation)
            state.withLock { state in
                // The stream may have ended already (then it cleared nothing: it was not stored yet).
                if state.generation == generation { state.stream = task }
            }
        }

        func disconnect() {
            let task = state.withLock { state in
                defer {
                    state.stream = nil
                    state.generation += 1
                }
                return state.stream
            }
            task?.cancel()
        }

        /// The stream of `generation` ended: forgotten if it is the current one, so the next caller opens another.
        func streamEnded(_ generation: Int) {
            state.withLock { state in
                if state.generation == generation {
                    state.stream = nil
                    state.generation += 1
                }
            }
        }

        /// A token, waiting up to `seconds` for a push to bring one.
        func waitForToken(seconds: Double) async -> Entry? {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline {
                if let token = take() { return token }
                let id = UUID()
                let timer = Task {
                    try? await Task.sleep(until: deadline)
                    self.wake(id)
                }
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state -> Bool in
                        // Past the deadline the timer may have fired before this waiter was registered.
                        if !state.tokens.isEmpty || ContinuousClock.now >= deadline { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
                timer.cancel()
            }
            return take()
        }

        private func wake(_ id: UUID) {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
