import Foundation
import LedgerStore
import Postgres
import Testing
import TestSupport

/// Migrations that fill a new column or table from rows older code wrote: each database stops before the migration,
/// gets rows the way the code of that time wrote them, then takes the rest of the migrations.
@Suite("Migration backfills")
struct MigrationBackfillTests {
    /// 0033: an account's holder is the person of its first card ever confirmed, a removed one included; a card never
    /// confirmed (pending, or removed before it was) makes no holder; equal confirmation times go by card id.
    @Test("0033 account_holders: the first confirmed card's person")
    func accountHolders() async throws {
        try await PostgresTestDatabase.with(poolSize: 1, through: 32) { db in
            /// A card of `account` whose resident ID number's blind index is `person`, confirmed `boundMinutesAgo` before one fixed instant.
            func card(_ id: String, _ account: String, person: String, status: String, boundMinutesAgo: Int?, removed: Bool = false) async throws {
                let bound = boundMinutesAgo.map { "timestamptz '2026-11-01 12:00:00+00' - interval '\($0) minutes'" } ?? "NULL"
                _ = try await db.client.execute(
                    PostgresQuery(
                        sql: """
                            INSERT INTO bank_cards (card_id, account_id, status, number_sealed, name_sealed, id_number_sealed, phone_sealed,
                                                    number_index, id_number_index, phone_index, number_last4, number_digits, bound_at, removed_at)
                            VALUES ('\(id)', '\(account)', '\(status)', 'v1.n', 'v1.m', 'v1.i', 'v1.p', 'num-\(id)', '\(person)', 'ph',
                                    '1234', 16, \(bound), \(removed ? "now()" : "NULL"))
                            """, bindings: []))
            }
            // alice: a card of hers confirmed first and removed since, then bob's card confirmed later.
            try await card("BC00000000000000A1", "user:alice", person: "id-alice", status: "removed", boundMinutesAgo: 60, removed: true)
            try await card("BC00000000000000A2", "user:alice", person: "id-bob", status: "bound", boundMinutesAgo: 30)
            // carol: a card never confirmed, and one removed before it was.
            try await card("BC00000000000000C1", "user:carol", person: "id-carol", status: "pending", boundMinutesAgo: nil)
            try await card("BC00000000000000C2", "user:carol", person: "id-carol", status: "removed", boundMinutesAgo: nil, removed: true)
            // a merchant whose two cards were confirmed in the same instant.
            try await card("BC00000000000000M2", "merchant:m", person: "id-m2", status: "bound", boundMinutesAgo: 10)
            try await card("BC00000000000000M1", "merchant:m", person: "id-m1", status: "bound", boundMinutesAgo: 10)

            try await db.migrateRest()

            let rows = try await db.client.query(
                "SELECT account_id, id_number_index, first_card_id FROM account_holders ORDER BY account_id")
            let holders = try rows.map {
                try [$0.decode(String.self, column: "account_id"), $0.decode(String.self, column: "id_number_index"),
                     $0.decode(String.self, column: "first_card_id")]
            }
            #expect(holders == [
                ["merchant:m", "id-m1", "BC00000000000000M1"],
                ["user:alice", "id-alice", "BC00000000000000A1"],
            ])
        }
    }

    /// 0035: every withdrawal that was ever sent (a payout state, a channel payout id, or an attempt, as a reset after
    /// a refusal leaves) counts as acknowledged from its last update, so it is held rather than unfrozen on an unsigned
    /// "no such payout"; one never sent is not.
    @Test("0035 acknowledged_at: every withdrawal that was sent")
    func payoutsAcknowledged() async throws {
        try await PostgresTestDatabase.with(poolSize: 1, through: 34) { db in
            func withdrawal(_ id: String, state: String?, payoutID: String?, attempts: Int) async throws {
                _ = try await db.client.execute(
                    PostgresQuery(
                        sql: """
                            INSERT INTO withdrawal_requests (order_id, account_id, channel, amount_fen, destination, risk_request_id,
                                                             payout_state, channel_payout_id, payout_attempts, updated_at)
                            VALUES ($1, 'user:w', 'bill99', 100, '{}'::jsonb, 'risk-' || $1, $2, $3, $4, now() - interval '1 day')
                            """,
                        bindings: [.text(id), state.map { .text($0) } ?? .null, payoutID.map { .text($0) } ?? .null, .int32(Int32(attempts))]))
            }
            try await withdrawal("W-unsent", state: nil, payoutID: nil, attempts: 0)
            try await withdrawal("W-processing", state: "processing", payoutID: nil, attempts: 1)
            try await withdrawal("W-reset", state: nil, payoutID: nil, attempts: 2)
            try await withdrawal("W-id-only", state: nil, payoutID: "DEAL-1", attempts: 0)
            try await withdrawal("W-paid", state: "succeeded", payoutID: "DEAL-2", attempts: 1)

            try await db.migrateRest()

            let rows = try await db.client.query(
                """
                SELECT order_id, acknowledged_at IS NOT NULL AS acknowledged, acknowledged_at = updated_at AS at_update
                FROM withdrawal_requests ORDER BY order_id
                """)
            var acknowledged: [String: Bool] = [:]
            for row in rows {
                let id = try row.decode(String.self, column: "order_id")
                acknowledged[id] = try row.decode(Bool.self, column: "acknowledged")
                if acknowledged[id] == true { #expect(try row.decode(Bool?.self, column: "at_update") == true, "\(id)") }
            }
            #expect(acknowledged == ["W-unsent": false, "W-processing": true, "W-reset": true, "W-id-only": true, "W-paid": true])
        }
    }

    /// 0044: a refund the channel accepted and left abnormal before holds existed is held from its last update, so it is
    /// in the operators' queue and can be resolved; one given up (its money already back), or not abnormal, is not.
    @Test("0044 held refunds: abnormal ones not given up")
    func abnormalRefundsHeld() async throws {
        try await PostgresTestDatabase.with(poolSize: 1, through: 43) { db in
            func refund(_ id: String, state: String?, givenUp: Bool) async throws {
                _ = try await db.client.execute(
                    PostgresQuery(
                        sql: """
                            INSERT INTO refund_requests (refund_order_id, original_order_id, account_id, channel, amount_fen, total_fen,
                                                         channel_state, given_up_at, updated_at)
                            VALUES ($1, 'RC-1', 'user:r', 'wechat', 100, 100, $2, \(givenUp ? "now()" : "NULL"), now() - interval '1 day')
                            """,
                        bindings: [.text(id), state.map { .text($0) } ?? .null]))
            }
            try await refund("RF-abnormal", state: "abnormal", givenUp: false)
            try await refund("RF-abnormal-returned", state: "abnormal", givenUp: true)
            try await refund("RF-processing", state: "processing", givenUp: false)
            try await refund("RF-unsent", state: nil, givenUp: false)

            try await db.migrateRest()

            let rows = try await db.client.query(
                "SELECT refund_order_id, held_reason IS NOT NULL AS held, held_since = updated_at AS at_update FROM refund_requests")
            var held: [String: Bool] = [:]
            for row in rows {
                let id = try row.decode(String.self, column: "refund_order_id")
                held[id] = try row.decode(Bool.self, column: "held")
                if held[id] == true { #expect(try row.decode(Bool?.self, column: "at_update") == true, "\(id)") }
            }
            #expect(held == ["RF-abnormal": true, "RF-abnormal-returned": false, "RF-processing": false, "RF-unsent": false])
        }
    }
}
