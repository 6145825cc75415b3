import Foundation
import PaystreamCore
import Postgres

/// One money event to apply, with where it came from (`topic/partition/offset`, for tracing) and the W3C
/// `traceparent` its message carried, which the follow-up events it causes carry on.
public struct LedgerInput: Sendable {
    public let event: MoneyEvent
    public let source: String
    public let traceparent: String?
    /// An operator's replay of a dead letter (`paystream-replayed-from`): a key rejected before is judged again. Any
    /// other delivery of a rejected key (a redelivery after a crash or a rebalance, an event produced again) keeps
    /// the rejection, so the answer to a message does not change with when it happens to be delivered again.
    public let reconsider: Bool

    public init(event: MoneyEvent, source: String, traceparent: String? = nil, reconsider: Bool = false) {
        self.event = event
        self.source = source
        self.traceparent = traceparent
        self.reconsider = reconsider
    }
}

/// What happened to one input.
public enum LedgerOutcome: Sendable, Equatable {
    /// Its effects were written in this transaction.
    case applied
    /// Its idempotency key had been applied before (or earlier in the same batch): nothing was written.
    case duplicate
    /// A business rule refused it (e.g. `balance.insufficient_frozen`); its key is recorded as rejected,
    /// so a replay after the cause is fixed (``LedgerInput/reconsider``) is considered again.
    case rejected(Rejection)
}

/// Applies a batch of money events to the ledger inside the caller's transaction, exactly once per
/// idempotency key.
///
/// Guarantees (money.md):
/// - The batch's keys are inserted into `processed_keys` first (ON CONFLICT: a key rejected before is
///   reconsidered when its input is a replay, any other existing key is left alone); only keys that are new (or
///   rejected before and replayed) are applied, and their effects are written in the same transaction,
///   so a key is applied at most once and, with redelivery until commit, exactly once.
/// - A key rejected before is ``LedgerOutcome/rejected(_:)`` again when the same message (the same source) is
///   delivered again, so that a dead letter lost after the commit is sent on redelivery; from another message it
///   is a duplicate.
/// - Events are evaluated in order by the pure ``LedgerRules`` against balances and orders read with
///   `FOR UPDATE` (accounts locked in sorted order, so concurrent batches cannot deadlock on them).
/// - Postings of one account are aggregated into one UPDATE per batch: a thousand grabs of one envelope
///   are one row lock, not a thousand.
/// - Every entry's postings are written in one INSERT statement, which the database's balance trigger
///   checks; the CHECK constraints keep wallet buckets non-negative even if a rule were wrong.
/// - Each applied grab is recorded in `envelope_grabbers` (one row per envelope and grabber, primary key), and
///   the rules see the grabbers recorded before, so no grabber is credited twice from one envelope.
public struct LedgerBatchWriter: Sendable {
    public init() {}

    /// A row an event names directly: an order or an account.
    public enum ConflictKey: Hashable, Sendable {
        case order(String)
        case account(AccountID)
    }

    /// Calls `body` with each row the event names directly: its orders and accounts (a row may come twice). Two
    /// batches whose events share none of these never wait for each other's row locks on them, so a caller may
    /// apply them in parallel transactions. Accounts reached only through an order's owner (a withdrawal
    /// approval, say) are not included: such a batch may still wait for a lock, which costs time but never
    /// correctness.
    public static func forEachConflictKey(of event: MoneyEvent, _ body: (ConflictKey) -> Void) {
        LedgerState.forEachOrderID(of: event) { body(.order($0)) }
        LedgerState.forEachAccount(of: event) { body(.account($0)) }
    }

    /// Applies the batch: ``claim(_:on:)`` then ``finish(_:on:)`` in the caller's transaction.
    public func apply(_ inputs: [LedgerInput], on connection: PostgresConnection) async throws -> [LedgerOutcome] {
        try await finish(try await claim(inputs, on: connection), on: connection)
    }

    /// A batch after ``claim(_:on:)``, inside its transaction: its new idempotency keys inserted and the orders its
    /// candidates name locked. No account is locked yet.
    public struct Claim: Sendable {
        let inputs: [LedgerInput]
        let outcomes: [LedgerOutcome?]
        /// Indexes of the inputs to evaluate, in batch order.
        let candidates: [Int]
        let orders: [OrderSnapshot]
    }

    /// The first half of ``apply(_:on:)``: the idempotency gate, then the orders the new keys' events name, locked.
    ///
    /// The rows it holds afterwards are the batch's own keys and named orders (``ClaimedRows``), nothing else. So a
    /// caller may claim batch N+1 on a second connection while batch N is finished, provided the two batches'
    /// claimed rows are disjoint (``ClaimedRows/isDisjoint(with:)``) and N+1 is finished only after N has
    /// committed: N+1 then waits for no row of N (and N for none of N+1) until N ends, and N+1's rules see every
    /// effect of N, because its accounts are locked and read only in ``finish(_:on:)``.
    public func claim(_ inputs: [LedgerInput], on connection: PostgresConnection) async throws -> Claim {
        var outcomes = [LedgerOutcome?](repeating: nil, count: inputs.count)
        if inputs.isEmpty { return Claim(inputs: inputs, outcomes: outcomes, candidates: [], orders: []) }

        // 1. The idempotency gate. The first occurrence of a key in the batch is the candidate.
        var firstIndex: [String: Int] = [:]
        for (i, input) in inputs.enumerated() {
            if firstIndex[input.event.idempotencyKey] == nil { firstIndex[input.event.idempotencyKey] = i } else { outcomes[i] = .duplicate }
        }
        // A new key is inserted as 'applied'; a key recorded as rejected before is turned back to 'applied' only by a
        // replay (reconsidered after the cause was fixed). ON CONFLICT locks the existing row and judges its latest
        // committed version, so a key committed concurrently by another transaction is seen exactly as a separate
        // UPDATE would see it. Returned: the keys to apply now. Replays are rare: a batch without one is one statement.
        let keys = firstIndex.keys.sorted()
        let replayedKeys = Set(inputs.filter(\.reconsider).map(\.event.idempotencyKey))
        let replayed = keys.filter { replayedKeys.contains($0) }, delivered = keys.filter { !replayedKeys.contains($0) }
        var open = Set<String>()
        for (group, onConflict) in [(delivered, "DO NOTHING"), (replayed, "DO UPDATE SET result = 'applied' WHERE p.result LIKE 'rejected:%'")]
        where !group.isEmpty {
            let opened = try await connection.query(
                """
                INSERT INTO processed_keys AS p (idempotency_key, source, result)
                SELECT k, s, 'applied' FROM unnest(\(group)::text[], \(group.map { inputs[firstIndex[$0]!].source })::text[]) AS t(k, s)
                ON CONFLICT (idempotency_key) \(unsafeRaw: onConflict)
                RETURNING idempotency_key
                """)
            for row in opened { open.insert(try row.decode(String.self, column: "idempotency_key")) }
        }
        let candidates = firstIndex.filter { open.contains($0.key) }.map(\.value).sorted()
        for (key, index) in firstIndex where !open.contains(key) { outcomes[index] = .duplicate }
        // A key rejected by this very message before (its source is the key's first source) is this message delivered
        // again: the transaction that recorded the rejection committed, but its dead letter may never have been sent
        // (the process died before the broker acknowledged it, or the send failed and the poll is processed again).
        // It is refused again with the recorded code, so that its dead letter is sent; a second letter for one
        // message is harmless, a missing one loses the message. Another message with the key stays a duplicate.
        let unopened = delivered.filter { !open.contains($0) }
        if !unopened.isEmpty {
            let rows = try await connection.query(
                """
                SELECT idempotency_key, source, result FROM processed_keys
                WHERE idempotency_key = ANY(\(unopened)::text[]) AND result LIKE 'rejected:%'
                """)
            for row in rows {
                let key = try row.decode(String.self, column: "idempotency_key")
                let result = try row.decode(String.self, column: "result")
                guard let index = firstIndex[key], inputs[index].source == (try row.decode(String.self, column: "source")) else { continue }
                let code = String(result.dropFirst("rejected:".count))
                outcomes[index] = .rejected(
                    Rejection(code: code, message: "refused (\(code)) when this message was first delivered; delivered again, it stays refused"))
            }
        }
        if candidates.isEmpty { return Claim(inputs: inputs, outcomes: outcomes, candidates: [], orders: []) }

        // 2. The orders the candidates touch, locked.
        let orders = try await LedgerState.lockOrders(LedgerState.orderIDs(of: candidates.map { inputs[$0].event }), on: connection)
        return Claim(inputs: inputs, outcomes: outcomes, candidates: candidates, orders: orders)
    }

    /// The second half of ``apply(_:on:)``: the accounts locked, the rules run in order, the effects written.
    public func finish(_ claim: Claim, on connection: PostgresConnection) async throws -> [LedgerOutcome] {
        var outcomes = claim.outcomes
        let inputs = claim.inputs, candidates = claim.candidates
        if candidates.isEmpty { return outcomes.map { $0! } }

        // 3. Balances of the accounts the candidates and their orders touch, locked; then the rules, in order.
        let events = candidates.map { inputs[$0].event }
        var accountIDs = LedgerState.accounts(of: events, orders: claim.orders)
        let grabs = try await LedgerState.committedGrabs(of: events, on: connection)
        var evaluation: LedgerEvaluation
        while true {
            let balances = try await LedgerState.lockAccounts(accountIDs, on: connection)
            evaluation = try LedgerEvaluation.run(events, balances: balances, orders: claim.orders, grabs: grabs, locked: accountIDs)
            if evaluation.unlockedAccounts.isEmpty { break }
            // A rule credited an account not predicted: lock it too and evaluate again from the start.
            accountIDs.formUnion(evaluation.unlockedAccounts)
        }

        // 4. Write the effects of the applied events, and record the rejections.
        try await LedgerWrites.write(evaluation, inputs: candidates.map { inputs[$0] }, on: connection)
        for (n, index) in candidates.enumerated() {
            outcomes[index] = evaluation.results[n].map { _ in .applied } ?? .rejected(evaluation.rejections[n]!)
        }
        return outcomes.map { $0! }
    }

    /// The rows ``claim(_:on:)`` may lock for a batch: its idempotency keys and the orders its events name (a
    /// superset of what it locks: every event counts, applied before or not).
    public struct ClaimedRows: Sendable {
        let keys: Set<String>
        let orders: Set<String>

        public init(_ events: some Sequence<MoneyEvent>) {
            var keys: Set<String> = [], orders: Set<String> = []
            for event in events {
                keys.insert(event.idempotencyKey)
                LedgerState.forEachOrderID(of: event) { orders.insert($0) }
            }
            self.keys = keys
            self.orders = orders
        }

        /// True when the two batches share no idempotency key and no order.
        public func isDisjoint(with other: ClaimedRows) -> Bool {
            keys.isDisjoint(with: other.keys) && orders.isDisjoint(with: other.orders)
        }
    }
}

/// The rules run over a batch: effects per event (nil where rejected), rejections per event, and the accounts
/// posted to that were not among the `locked` ones.
struct LedgerEvaluation {
    var results: [Effects?]
    var rejections: [Rejection?]
    var unlockedAccounts: Set<AccountID>

    static func run(
        _ events: [MoneyEvent], balances: [AccountID: (available: Int64, frozen: Int64)], orders: [OrderSnapshot],
        grabs: [EnvelopeGrabber: String] = [:], locked: Set<AccountID>
    ) throws -> LedgerEvaluation {
        let view = InMemoryLedgerView()
        // Each of today's rules writes one journal entry and touches at most two orders. The figures only size
        // the tables: a rule that writes more still works, with a table grown on the way.
        view.reserveCapacity(balances: 2 * balances.count, orders: orders.count + 2 * events.count, entries: events.count)
        for (account, balance) in balances {
            try view.load(balanceFen: balance.available, account: account, bucket: .available)
            try view.load(balanceFen: balance.frozen, account: account, bucket: .frozen)
        }
        for order in orders { try view.load(order) }
        for (grabber, orderID) in grabs { view.load(grab: grabber, orderID: orderID) }
        var evaluation = LedgerEvaluation(results: [], rejections: [], unlockedAccounts: [])
        for event in events {
            switch LedgerRules.effects(of: event, in: view) {
            case .success(let effects):
                do {
                    // The view re-checks every invariant; a refusal here means a rule let something through.
                    try view.apply(effects)
                } catch {
                    evaluation.results.append(nil)
                    evaluation.rejections.append(Rejection(code: "ledger.invariant", message: "\(error)"))
                    continue
                }
                evaluation.results.append(effects)
                evaluation.rejections.append(nil)
                for entry in effects.entries {
                    for p in entry.postings where !locked.contains(p.account) { evaluation.unlockedAccounts.insert(p.account) }
                }
            case .failure(let rejection):
                evaluation.results.append(nil)
                evaluation.rejections.append(rejection)
            }
        }
        return evaluation
    }
}
