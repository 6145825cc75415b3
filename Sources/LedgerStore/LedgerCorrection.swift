import PaystreamCore
import Postgres

/// Posts an operator's correcting journal entry (kind `correction`, e.g. resolving a reconciliation difference)
/// through the ledger's normal write path, inside the caller's transaction.
///
/// Guarantees (money.md rules 2, 3, 4 and 7):
/// - the entry is balanced (``JournalEntry`` refuses anything else, and the database's balance trigger checks it
///   again); old entries are never touched: a correction is a new entry;
/// - its idempotency key goes into `processed_keys` first: a key already applied is not applied again
///   (``post(_:correlationID:on:)`` returns false);
/// - the accounts it posts to are locked in sorted order (created when missing, as for any entry), and a
///   non-clearing bucket that would go below zero is refused before writing (and by the CHECK constraints);
/// - the journal, the postings and the balances are written by the same statements the worker uses.
public enum LedgerCorrection {
    public static func post(_ entry: JournalEntry, correlationID: String? = nil, on connection: PostgresConnection) async throws -> Bool {
        precondition(entry.kind == .correction, "a LedgerCorrection posts entries of kind correction")
        let opened = try await connection.query(
            """
            INSERT INTO processed_keys (idempotency_key, source, result) VALUES (\(entry.idempotencyKey), 'operator', 'applied')
            ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key
            """)
        if opened.isEmpty { return false }
        var after = try await LedgerState.lockAccounts(Set(entry.postings.map(\.account)), on: connection)
        for posting in entry.postings {
            var balance = after[posting.account] ?? (0, 0)
            switch posting.bucket {
            case .available: balance.available = try CheckedMath.add(balance.available, posting.amountFen)
            case .frozen: balance.frozen = try CheckedMath.add(balance.frozen, posting.amountFen)
            }
            guard posting.account.mayGoNegative || (balance.available >= 0 && balance.frozen >= 0) else {
                throw LedgerStoreError(message: "the correction would take \(posting.account).\(posting.bucket.rawValue) below zero")
            }
            after[posting.account] = balance
        }
        try await LedgerWrites.insertEntries([entry], correlationIDs: [correlationID], on: connection)
        try await LedgerWrites.writeBalances([entry], on: connection)
        return true
    }
}
