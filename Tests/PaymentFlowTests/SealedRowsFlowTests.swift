import Cryptography
import Foundation
import PaystreamCore
import PaystreamRuntime
import TestSupport
import Testing

/// Sealed values are bound to their rows (``SealedColumns``): whoever can write the database but holds no key
/// cannot move a secret, a card or a payout destination from one row to another. Before, the copy opened in its
/// new row: another client's secret signed for the victim's client, the attacker's card number was paid the
/// victim's withdrawal.
@Suite(.serialized) struct SealedRowsFlowTests {
    /// `GET /v1/balance` signed with `secret` under the app id `appID`, as a client does (not through the harness's
    /// own clients).
    static func balance(_ h: FlowHarness, appID: String, secret: [UInt8]) async throws -> FlowHarness.Reply {
        var headers: [String: String] = ["X-Paystream-Unsigned": "1"]
        for (name, value) in RequestSignature.headers(
            appID: appID, secret: secret, method: "GET", path: "/v1/balance", query: nil, body: [],
            timestamp: Int(Date().timeIntervalSince1970), nonce: Hex.encode(SecureRandom.bytes(count: 16)))
        {
            headers[name] = value
        }
        return try await h.send(.GET, h.apiURL + "/v1/balance", headers: headers)
    }

    /// A client made with `paystream clients create` for `account`: (app id, secret). The API has not seen it yet,
    /// so it reads its row on first use (nothing cached).
    static func newClient(_ h: FlowHarness, for account: String) async throws -> (appID: String, secret: [UInt8]) {
        let made = try await h.paystream(["clients", "create", "--account", account])
        let words = made.output.split(whereSeparator: \.isWhitespace).map(String.init)
        guard made.status == 0, let at = words.lastIndex(where: { $0.hasPrefix("app_") }), at + 1 < words.count else {
            throw HarnessError("clients create: \(made.output)")
        }
        return (words[at], try Base64.decode(words[at + 1]))
    }

    /// Whether the payout dispatcher refuses withdrawal `orderID` as changed without the keys, for `reason` (logged as
    /// critical), and, Bill99 holding no such payout, fails it: its money comes back, nothing was sent.
    static func refused(_ h: FlowHarness, _ orderID: String, for reason: String) async throws -> Bool {
        let logged = await eventually(timeoutSeconds: 20) {
            ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").split(separator: "\n").contains {
                $0.contains("changed in the database without the keys") && $0.contains(orderID) && $0.contains(reason)
            }
        }
        guard logged, await h.waitFor(orderID, status: "invalid") else { return false }
        let failure = try await h.get("/v1/withdrawals/\(orderID)", admin: "ops-lee").string("failureReason") ?? ""
        return failure.contains("changed without the keys before the payout was sent")
    }

    static func sealedSecret(_ h: FlowHarness, _ appID: String) async throws -> String {
        let rows = try await h.database.client.query("SELECT secret_sealed FROM api_clients WHERE app_id = \(appID)")
        return try #require(try rows.first?.decode(String.self, column: "secret_sealed"))
    }

    @Test func aClientSecretCopiedIntoAnotherClientSignsNothingThere() async throws {
        try await FlowHarness.run { h in
            let victim = try await h.fundedUser("srv", fen: 30_000)
            let mallory = "user:srm-\(Int.random(in: 100_000...999_999))"
            let malloryClient = try await Self.newClient(h, for: mallory)
            let victimClient = try await Self.newClient(h, for: victim)
            // Mallory, who may write the table but holds no key, puts her own sealed secret in the victim's client
            // and signs with her secret under the victim's app id.
            _ = try await h.database.client.execute(
                "UPDATE api_clients SET secret_sealed = \(try await Self.sealedSecret(h, malloryClient.appID)) WHERE app_id = \(victimClient.appID)")
            let forged = try await Self.balance(h, appID: victimClient.appID, secret: malloryClient.secret)
            #expect(forged.status == 401 && forged.string("code") == "auth.unknown_app", "\(forged.status) \(forged.text)")
            #expect(await eventually(timeoutSeconds: 10) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("does not open for it")
            })
            // Her own client still signs for her, and the victim's first client for the victim.
            #expect(try await Self.balance(h, appID: malloryClient.appID, secret: malloryClient.secret).status == 200)
            let honest = try await h.get("/v1/balance", as: victim)
            #expect(honest.status == 200 && honest.json["availableFen"] as? Int == 30_000, "\(honest.text)")
        }
    }

    @Test func aCardOrDestinationCopiedFromAnotherRowIsNotPaidOut() async throws {
        try await FlowHarness.run { h in
            let victim = try await h.fundedUserWithCard("srcv", fen: 50_000, holder: "李四")
            let mallory = try await h.fundedUserWithCard("srcm", fen: 50_000, holder: "王五")
            // Mallory's withdrawal, requested honestly: its destination is her card, sealed for her order.
            let hers = try #require(
                try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(mallory.cardID)"}"#, as: mallory.user)
                    .string("orderId"))
            #expect(await h.waitFor(hers, status: "requested"))

            // 1. Her card's sealed elements copied into the victim's card: the victim's next withdrawal would pay her.
            let original = try #require(
                try await h.database.client.query("SELECT number_sealed, name_sealed, phone_sealed FROM bank_cards WHERE card_id = \(victim.cardID)").first)
            _ = try await h.database.client.execute(
                """
                UPDATE bank_cards v SET number_sealed = m.number_sealed, name_sealed = m.name_sealed, phone_sealed = m.phone_sealed
                FROM bank_cards m WHERE v.card_id = \(victim.cardID) AND m.card_id = \(mallory.cardID)
                """)
            let refused = try await h.post("/v1/withdrawals", #"{"amountFen":2000,"channel":"bill99","cardId":"\#(victim.cardID)"}"#, as: victim.user)
            #expect(refused.status == 500 && refused.string("orderId") == nil, "\(refused.status) \(refused.text)")
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE account_id = '\(victim.user)'") == 0)
            #expect(await eventually(timeoutSeconds: 10) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("does not open for this row of bank_cards.")
            })

            // 2. The card put back, a withdrawal requested to it; then the sealed members of its destination replaced
            // by Mallory's (sealed for her order). Its card id stays the victim's: copied too, the approval would refuse
            // it as another person's card (`withdraw.card_not_holders`).
            _ = try await h.database.client.execute(
                """
                UPDATE bank_cards SET number_sealed = \(try original.decode(String.self, column: "number_sealed")),
                  name_sealed = \(try original.decode(String.self, column: "name_sealed")), phone_sealed = \(try original.decode(String.self, column: "phone_sealed"))
                WHERE card_id = \(victim.cardID)
                """)
            let victims = try #require(
                try await h.post("/v1/withdrawals", #"{"amountFen":3000,"channel":"bill99","cardId":"\#(victim.cardID)"}"#, as: victim.user)
                    .string("orderId"))
            #expect(await h.waitFor(victims, status: "requested"))
            _ = try await h.database.client.execute(
                """
                UPDATE withdrawal_requests v
                SET destination = v.destination || jsonb_build_object(
                    'accountNumber', m.destination->'accountNumber', 'holderName', m.destination->'holderName', 'mobile', m.destination->'mobile')
                FROM withdrawal_requests m
                WHERE v.order_id = \(victims) AND m.order_id = \(hers)
                """)
            for order in [victims, hers] {
                #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-lee").status == 202, "\(order)")
            }
            // Hers is paid to her card; the victim's is not sent anywhere: refused, and once Bill99 says it holds no such
            // payout, failed and unfrozen.
            #expect(await h.waitFor(hers, status: "paidOut"))
            #expect(try await Self.refused(h, victims, for: "does not open for this row of withdrawal."))

            // 3. Nor written in plain text (as destinations were before they were sealed), nor sent to another WeChat
            // account: the route sealed with each destination no longer matches.
            let plain = try #require(
                try await h.post("/v1/withdrawals", #"{"amountFen":4000,"channel":"bill99","cardId":"\#(victim.cardID)"}"#, as: victim.user)
                    .string("orderId"))
            #expect(await h.waitFor(plain, status: "requested"))
            _ = try await h.database.client.execute(
                """
                UPDATE withdrawal_requests SET destination = destination || '{"accountNumber": "6217000000000000001", "accountLast4": "0001"}'::jsonb
                WHERE order_id = \(plain)
                """)
            #expect(try await h.post("/v1/admin/withdrawals/\(plain)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(try await Self.refused(h, plain, for: "withdrawal.accountNumber is not sealed"))

            // 4. Nor paid more than was frozen, nor at another bank: Mallory raises her own withdrawal's amount, and
            // moves another one's bank, leaving every sealed member as it was.
            var changed: [String] = []
            for (fen, change) in [
                (1_000, "SET amount_fen = 20000"),
                (1_000, #"SET destination = destination || '{"bankName": "Mallory Savings"}'::jsonb"#),
            ] {
                let order = try #require(
                    try await h.post("/v1/withdrawals", #"{"amountFen":\#(fen),"channel":"bill99","cardId":"\#(mallory.cardID)"}"#, as: mallory.user)
                        .string("orderId"))
                #expect(await h.waitFor(order, status: "requested"))
                _ = try await h.database.client.execute("UPDATE withdrawal_requests \(unsafeRaw: change) WHERE order_id = \(order)")
                #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-lee").status == 202)
                #expect(try await Self.refused(h, order, for: "its route does not match"), "\(change)")
                changed.append(order)
            }
            // Every fen of the refused withdrawals is back; only hers was paid.
            #expect(await eventually { (try? await h.balance(victim.user)).map { $0 == (50_000, 0) } == true })
            #expect(await eventually { (try? await h.balance(mallory.user)).map { $0 == (49_000, 0) } == true })
            let payouts = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]] ?? []
            #expect(payouts.contains { $0["outBillNo"] as? String == hers }, "\(payouts)")
            #expect(payouts.allSatisfy { !([victims, plain] + changed).contains($0["outBillNo"] as? String ?? "") }, "\(payouts)")

            // 5. A rotation does not vouch for them: under keys that bind rows it seals no plain member and gives no
            // route. One still waiting for review fails it, named; the refused ones, now invalid and never paid again,
            // are listed and left as they are. Once the waiting one is rejected, the rotation goes through.
            let waiting = try #require(
                try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(victim.cardID)"}"#, as: victim.user)
                    .string("orderId"))
            #expect(await h.waitFor(waiting, status: "requested"))
            _ = try await h.database.client.execute(
                "UPDATE withdrawal_requests SET destination = destination || '{\"accountNumber\": \"6217000000000000001\"}'::jsonb WHERE order_id = \(waiting)")
            let rotated = try await h.paystream(["keys", "rotate"])
            #expect(rotated.status != 0, "\(rotated.output)")
            #expect(rotated.output.contains("not re-sealed: withdrawal_requests \(waiting) destination: accountNumber not sealed"), "\(rotated.output)")
            // (The changed amount and bank are re-sealed as they are: their routes, re-sealed unchanged, still refuse them.)
            for order in [plain, victims] {
                #expect(rotated.output.contains("left as it is: withdrawal_requests \(order) destination (invalid, never paid again)"), "\(rotated.output)")
                #expect(!rotated.output.contains("not re-sealed: withdrawal_requests \(order)"), "\(rotated.output)")
            }
            #expect(try await h.post("/v1/admin/withdrawals/\(waiting)/reject", #"{"reason":"destination written without the keys"}"#, admin: "ops-lee").status == 202)
            #expect(await h.waitFor(waiting, status: "invalid"))
            // Run again without adding another key version.
            let version = try #require(rotated.output.firstMatch(of: /current version ([0-9]+);/)?.1)
            let again = try await h.paystream(["keys", "rotate", "--again"])
            #expect(again.status == 0 && again.output.contains("left as it is: withdrawal_requests \(waiting) destination (invalid"), "\(again.output)")
            #expect(again.output.contains("current version \(version);"), "\(again.output)")
            #expect(await eventually { (try? await h.balance(victim.user)).map { $0 == (50_000, 0) } == true })
        }
    }

    /// A deployment whose keys file predates row binding holds values sealed for their field alone. They keep
    /// opening until `paystream keys rotate` re-seals every one for its row under a new version, from which on
    /// only bound values open.
    @Test func aRotationBindsTheValuesSealedBeforeRowsWereBound() async throws {
        try await FlowHarness.run(keysOlderThanRowBinding: true) { h in
            let cipher = h.identities.keys.cipher
            #expect(cipher.keyring.rowsBoundFrom == nil)
            let (user, cardID) = try await h.fundedUserWithCard("srr", fen: 50_000, holder: "赵六")
            let order = try #require(
                try await h.post("/v1/withdrawals", #"{"amountFen":4000,"channel":"bill99","cardId":"\#(cardID)"}"#, as: user).string("orderId"))
            #expect(await h.waitFor(order, status: "requested"))
            let client = try await Self.newClient(h, for: user)
            let other = try await Self.newClient(h, for: "user:srr-other-\(Int.random(in: 100_000...999_999))")

            // Seal the client's secret, the card's elements and the withdrawal's destination again for their field
            // alone, as the versions before wrote them.
            func unbound(_ sealed: String, _ field: String, row: String) throws -> String {
                try cipher.seal(try cipher.open(sealed, field: field, row: row), field: field)
            }
            let unboundSecret = try unbound(
                try await Self.sealedSecret(h, client.appID), SealedColumns.apiClientSecret, row: SealedColumns.apiClientRow(appID: client.appID, account: user))
            _ = try await h.database.client.execute("UPDATE api_clients SET secret_sealed = \(unboundSecret) WHERE app_id = \(client.appID)")
            let card = try #require(try await h.database.client.query("SELECT number_sealed, name_sealed, phone_sealed, id_number_sealed FROM bank_cards WHERE card_id = \(cardID)").first)
            let cardRow = SealedColumns.cardRow(cardID: cardID, account: user)
            _ = try await h.database.client.execute(
                """
                UPDATE bank_cards SET number_sealed = \(try unbound(try card.decode(String.self, column: "number_sealed"), SealedColumns.cardNumber, row: cardRow)),
                  name_sealed = \(try unbound(try card.decode(String.self, column: "name_sealed"), SealedColumns.cardHolderName, row: cardRow)),
                  phone_sealed = \(try unbound(try card.decode(String.self, column: "phone_sealed"), SealedColumns.cardPhone, row: cardRow)),
                  id_number_sealed = \(try unbound(try card.decode(String.self, column: "id_number_sealed"), SealedColumns.cardIDNumber, row: cardRow))
                WHERE card_id = \(cardID)
                """)
            let destinationText = try #require(
                try await h.database.client.query("SELECT destination::text AS d FROM withdrawal_requests WHERE order_id = \(order)").first?.decode(String.self, column: "d"))
            var destination = try #require(try JSONSerialization.jsonObject(with: Data(destinationText.utf8)) as? [String: Any])
            for (member, field) in [("accountNumber", SealedColumns.withdrawalAccountNumber), ("holderName", SealedColumns.withdrawalHolderName), ("mobile", SealedColumns.withdrawalMobile)] {
                destination[member] = try unbound(try #require(destination[member] as? String), field, row: SealedColumns.withdrawalRow(orderID: order))
            }
            // Nor had destinations a sealed route.
            #expect(destination.removeValue(forKey: "route") != nil)
            let rewritten = String(decoding: try JSONSerialization.data(withJSONObject: destination), as: UTF8.self)
            _ = try await h.database.client.execute("UPDATE withdrawal_requests SET destination = \(rewritten)::jsonb WHERE order_id = \(order)")
            // Under the old keys they open, as they did before the upgrade.
            #expect(try await Self.balance(h, appID: client.appID, secret: client.secret).status == 200)

            // The rotation binds them: a new version, bound from it on, every value re-sealed for its row.
            let rotated = try await h.paystream(["keys", "rotate"])
            #expect(rotated.status == 0, "\(rotated.output)")
            // Every value re-sealed, the keys bind rows under every version: nothing unbound opens any more.
            let keys = try SecurityKeys(json: try String(contentsOf: h.keysFile, encoding: .utf8))
            #expect(keys.fields.currentVersion == 2 && keys.fields.rowsBoundFrom == 1)
            let newCipher = keys.cipher
            for (text, field, row) in [
                (try await Self.sealedSecret(h, client.appID), SealedColumns.apiClientSecret, SealedColumns.apiClientRow(appID: client.appID, account: user)),
                (try #require(try await h.database.client.query("SELECT number_sealed FROM bank_cards WHERE card_id = \(cardID)").first?.decode(String.self, column: "number_sealed")), SealedColumns.cardNumber, cardRow),
                (try #require(try await h.database.client.query("SELECT destination->>'accountNumber' AS n FROM withdrawal_requests WHERE order_id = \(order)").first?.decode(String.self, column: "n")), SealedColumns.withdrawalAccountNumber, SealedColumns.withdrawalRow(orderID: order)),
                (try #require(try await h.database.client.query("SELECT destination->>'route' AS n FROM withdrawal_requests WHERE order_id = \(order)").first?.decode(String.self, column: "n")), SealedColumns.withdrawalRoute, SealedColumns.withdrawalRow(orderID: order)),
            ] {
                #expect(try newCipher.openReportingBinding(text, field: field, row: row).bound, "\(field) not bound after the rotation")
                #expect(try FieldCipher.keyVersion(of: text) == 2)
            }

            // With the rotated keys: the client still signs, the card still pays out, the withdrawal is paid to it.
            await h.killAPI()
            try await h.restartAPI()
            #expect(try await Self.balance(h, appID: client.appID, secret: client.secret).status == 200)
            #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-rot").status == 202)
            #expect(await h.waitFor(order, status: "paidOut"))
            let second = try #require(
                try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(cardID)"}"#, as: user).string("orderId"))
            #expect(await h.waitFor(second, status: "requested"))
            // And a value copied to another row no longer opens there, neither as re-sealed nor as it was before
            // (unbound, under version 1).
            for text in [try await Self.sealedSecret(h, client.appID), unboundSecret] {
                _ = try await h.database.client.execute("UPDATE api_clients SET secret_sealed = \(text) WHERE app_id = \(other.appID)")
                #expect(try await Self.balance(h, appID: other.appID, secret: client.secret).status == 401)
            }
        }
    }
}
