import Channels
import Foundation
import Hummingbird
import PaystreamCore
import Postgres

/// Bank cards: bound after Bill99's four-element verification and an SMS code, then used by card withdrawals.
///
/// - `POST /v1/cards` `{"cardNumber","realName","idNumber","phone"}` → the four elements are verified at Bill99;
///   a match stores the card `pending` (sealed) and sends a 6-digit code to the phone → 202 `{"bindingId",…}`.
/// - `POST /v1/cards/{cardId}/confirm` (the bindingId) `{"code"}` → 201 the card, `bound`.
/// - `GET /v1/cards` → the caller's bound cards (masked); `DELETE /v1/cards/{cardId}` → 204, removed.
///
/// Removing a card stops the withdrawals to it that have not been sent to Bill99: one still waiting for review is
/// rejected in the same transaction ("the card was removed by its holder", reviewed by the account), and its money
/// comes back to the available balance; one approved is not sent again, and the payout dispatcher fails it once
/// Bill99 confirms it holds no such payout (a try may have reached it before: then that payout goes on); one
/// frozen after the removal cannot be approved (409 `withdraw.destination_removed`), and the API's sweep rejects it
/// within seconds as the removal would have (``RemovedDestinationSweep``). Unbinding a WeChat account does the same for the WeChat withdrawals to it (``WeChatAccountRoutes``).
/// A payout already sent goes on: the bank has it.
///
/// Guarantees: an account's cards are all in the name of one person, its holder: the first card confirmed makes
/// the holder (`account_holders`), and a card of anyone else is 409 `card.holder_mismatch`, before the bank is
/// asked and again at confirmation; withdrawals go only to the holder's cards. An account sees and uses only its own cards (another's is 404 `card.not_found`, never 403, so
/// card ids cannot be probed); a refused verification stores nothing; the four elements are never logged or
/// answered (the number only masked); at most ``maxBoundCards`` bound cards per account; at most
/// ``CardVerificationLimit/maxPerHour`` verifications per account and hour.
struct CardRoutes: Sendable {
    let services: APIServices

    static let maxBoundCards = 10
    static let smsPurpose = "bind-card"

    struct BindBody: Decodable {
        var cardNumber: String?
        var realName: String?
        var idNumber: String?
        var phone: String?
    }

    struct ConfirmBody: Decodable { var code: String? }

    struct Binding: Encodable {
        var bindingId: String
        var status = "pending"
        var cardNumber: String
        var bankName: String?
        /// The phone the code went to, masked (`138****0000`).
        var phone: String
        var codeExpiresInSeconds = SMSCodes.lifetimeSeconds
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/cards") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let caller = try Caller.account(of: request)
                let body = try await request.decode(BindBody.self)
                return try await bind(caller, try Self.elements(body), correlationID: correlationID)
            }
        }
        router.post("/v1/cards/:cardId/confirm") { request, context in
            await handle(request, services) { correlationID in
                var request = request
                let caller = try Caller.account(of: request)
                let body = try await request.decode(ConfirmBody.self)
                let card = try await confirm(caller, bindingID: context.parameters.get("cardId") ?? "", code: body.code, correlationID: correlationID)
                return .json(.created, card)
            }
        }
        router.get("/v1/cards") { request, _ in
            await handle(request, services) { _ in
                let caller = try Caller.account(of: request)
                struct Cards: Encodable { var cards: [BankCardRecord] }
                return .json(.ok, Cards(cards: try await services.store.boundCards(of: caller.description)))
            }
        }
        router.delete("/v1/cards/:cardId") { request, context in
            await handle(request, services) { correlationID in
                let caller = try Caller.account(of: request)
                let cardID = context.parameters.get("cardId") ?? ""
                let stopped = try await services.store.postgres.withTransaction { connection in
                    let rows = try await connection.query(
                        """
                        UPDATE bank_cards SET status = 'removed', removed_at = now()
                        WHERE card_id = \(cardID) AND account_id = \(caller.description) AND status = 'bound' RETURNING card_id
                        """)
                    guard !rows.isEmpty else { throw Self.notFound(cardID) }
                    return try await WithdrawalRoutes.rejectWaiting(
                        to: .card(cardID), of: caller.description, services: services, correlationID: correlationID, on: connection)
                }
                services.logger.notice(
                    "bank card removed",
                    metadata: [
                        "card_id": "\(cardID)", "account": "\(caller)", "withdrawals_rejected": "\(stopped.joined(separator: ","))",
                        "correlation_id": "\(correlationID)",
                    ])
                return Response(status: .noContent)
            }
        }
    }

    /// 429 `sms.rate_limited` with `Retry-After`.
    static func rateLimited(_ limited: SMSCodes.RateLimited, correlationID: String) -> Response {
        APIError(.tooManyRequests, "sms.rate_limited", "this phone had its codes for now; retry later")
            .response(correlationID: correlationID, retryAfterSeconds: limited.retryAfterSeconds)
    }

    static func notFound(_ id: String) -> APIError {
        .notFound("card.not_found", "no card \(id.prefix(64)) of this caller")
    }

    /// 409 `card.holder_mismatch`: an account binds only cards of its holder, the person of its first card.
    static let holderMismatch = APIError.conflict(
        "card.holder_mismatch", "this account's cards are in its holder's name: a card of another person cannot be bound")

    /// Whether binding `bindingID`'s person is its account's holder (`same`); no row when the account has none.
    static func holderCheckSQL(_ bindingID: String) -> PostgresQuery {
        """
        SELECT h.id_number_index = c.id_number_index AS same
        FROM bank_cards c JOIN account_holders h ON h.account_id = c.account_id
        WHERE c.card_id = \(bindingID)
        """
    }

    /// The four elements, checked: card number 12...19 digits, real name 1...64 characters, an 18-character
    /// resident ID number with a valid check character, a mainland mobile number (11 digits, 1[3-9]…).
    static func elements(_ body: BindBody) throws(APIError) -> CardElements {
        guard let number = body.cardNumber, let idNumber = body.idNumber, let phone = body.phone else {
            throw .badRequest("request.missing_field", "cardNumber, realName, idNumber and phone are required")
        }
        let name = try InputText.required(body.realName, field: "realName", maxCharacters: 64)
        guard (12...19).contains(number.utf8.count), number.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .badRequest("card.invalid_number", "cardNumber must be 12...19 digits")
        }
        let id = idNumber.uppercased()
        guard ResidentID.isValid(id) else {
            throw .badRequest("card.invalid_id_number", "idNumber must be an 18-character resident ID number with a valid check character")
        }
        let phoneBytes = Array(phone.utf8)
        guard phoneBytes.count == 11, phoneBytes[0] == 0x31, (0x33...0x39).contains(phoneBytes[1]),
            phoneBytes.allSatisfy({ (0x30...0x39).contains($0) })
        else { throw .badRequest("card.invalid_phone", "phone must be a mainland mobile number (11 digits, 13…19…)") }
        return CardElements(cardNumber: number, realName: name, idNumber: id, phone: phone)
    }

    func bind(_ caller: AccountID, _ elements: CardElements, correlationID: String) async throws -> Response {
        let cipher = services.security.cipher
        let numberIndex = try SealedCardElements.numberIndex(elements.cardNumber, cipher: cipher)
        let bound = try await services.store.postgres.query(
            """
            SELECT count(*) FILTER (WHERE number_index = \(numberIndex)) AS same, count(*) AS total
            FROM bank_cards WHERE account_id = \(caller.description) AND status = 'bound'
            """)
        if let row = bound.first {
            guard try row.decode(Int64.self, column: "same") == 0 else {
                throw APIError.conflict("card.already_bound", "this card is already bound to this account")
            }
            guard try row.decode(Int64.self, column: "total") < Self.maxBoundCards else {
                throw APIError.conflict("card.limit_reached", "an account binds at most \(Self.maxBoundCards) cards; remove one first")
            }
        }
        // Only the account's holder's cards, once it has one: refused before the bank is asked.
        guard try await services.store.mayBindCard(of: try SealedCardElements.idNumberIndex(elements.idNumber, cipher: cipher), to: caller.description)
        else { throw Self.holderMismatch }
        // A phone that may not get a code now is refused before the bank is asked; the slot is taken only once
        // the bank confirmed the card, so a typo does not cost the phone its code.
        let phoneIndex = try SealedCardElements.phoneIndex(elements.phone, cipher: cipher)
        do {
            try await services.sms.sendSlot(phoneIndex: phoneIndex, claim: false)
        } catch let limited as SMSCodes.RateLimited {
            return Self.rateLimited(limited, correlationID: correlationID)
        }
        let limit = CardVerificationLimit(redis: services.security.redis, keyPrefix: services.security.keyPrefix)
        if let wait = try await limit.claim(account: caller.description) {
            return APIError(
                .tooManyRequests, "card.verification_rate_limited",
                "this account asked for \(CardVerificationLimit.maxPerHour) card verifications within the hour; retry later"
            ).response(correlationID: correlationID, retryAfterSeconds: wait)
        }
        let bindingID = "BC" + OrderNumbers.random(20)
        let verdict: CardVerdict
        do {
            verdict = try await services.channels.cardVerifier.verifyCard(elements, reference: bindingID)
        } catch {
            services.logger.error(
                "card verification failed", metadata: ["binding_id": "\(bindingID)", "error": "\(error)", "correlation_id": "\(correlationID)"])
            throw APIError(.serviceUnavailable, "card.verification_unavailable", "the bank-card verification is not answering; retry later")
        }
        guard case .match(let bankName) = verdict else {
            services.logger.notice(
                "card verification refused",
                metadata: ["binding_id": "\(bindingID)", "account": "\(caller)", "verdict": "\(verdict)", "correlation_id": "\(correlationID)"])
            throw APIError.unprocessable(
                "card.verification_failed", "the card number, name, ID number and phone do not belong together at the bank")
        }
        do {
            try await services.sms.sendSlot(phoneIndex: phoneIndex, claim: true)
        } catch let limited as SMSCodes.RateLimited {
            return Self.rateLimited(limited, correlationID: correlationID)
        }
        let sealed = try SealedCardElements(elements, cardID: bindingID, account: caller.description, cipher: cipher)
        try await services.store.postgres.execute(
            """
            INSERT INTO bank_cards (card_id, account_id, status, number_sealed, name_sealed, id_number_sealed, phone_sealed,
                                    number_index, id_number_index, phone_index, number_last4, number_digits, bank_name)
            VALUES (\(bindingID), \(caller.description), 'pending', \(sealed.number), \(sealed.name), \(sealed.idNumber), \(sealed.phone),
                    \(sealed.numberIndex), \(sealed.idNumberIndex), \(sealed.phoneIndex), \(String(elements.cardNumber.suffix(4))),
                    \(elements.cardNumber.utf8.count), \(bankName))
            """)
        try await services.sms.issue(
            purpose: Self.smsPurpose, subject: bindingID, phone: elements.phone,
            text: { code in "【Paystream】\(code) is your code to bind the card ending \(elements.cardNumber.suffix(4)). Valid for 5 minutes; never share it." })
        services.logger.notice(
            "card verified, code sent", metadata: ["binding_id": "\(bindingID)", "account": "\(caller)", "correlation_id": "\(correlationID)"])
        let masked = String(repeating: "*", count: elements.cardNumber.count - 4) + elements.cardNumber.suffix(4)
        let phone = elements.phone.prefix(3) + "****" + elements.phone.suffix(4)
        return .json(.accepted, Binding(bindingId: bindingID, cardNumber: masked, bankName: bankName, phone: String(phone)))
    }

    func confirm(_ caller: AccountID, bindingID: String, code: String?, correlationID: String) async throws -> BankCardRecord {
        guard let code, code.utf8.count == SMSCodes.digits, code.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw APIError.badRequest("request.invalid_field", "code must be \(SMSCodes.digits) digits")
        }
        guard let card = try await services.store.card(bindingID, of: caller.description, statuses: ["pending", "bound"]) else {
            throw Self.notFound(bindingID)
        }
        guard card.status == "pending" else { throw APIError.conflict("card.already_bound", "this binding is already confirmed") }
        // Checked before the code is spent; checked again, authoritatively, where the holder is written.
        guard try await services.store.postgres.query(Self.holderCheckSQL(bindingID)).first.map({ try $0.decode(Bool.self, column: "same") }) ?? true
        else { throw Self.holderMismatch }
        switch try await services.sms.verify(purpose: Self.smsPurpose, subject: bindingID, code: code) {
        case .confirmed: break
        case .wrong(let left):
            throw APIError.badRequest("sms.code_invalid", "the code is wrong; \(left) attempt(s) left")
        case .exhausted:
            throw APIError.forbidden("sms.too_many_attempts", "too many wrong codes; start the binding again")
        case .expired:
            throw APIError(.gone, "sms.code_expired", "the code expired; start the binding again")
        }
        do {
            try await services.store.postgres.withTransaction { connection in
                // The account's first confirmed card makes its holder; a concurrent confirmation of another person's
                // card waits here for this one's commit, then finds the holder taken.
                try await connection.execute(
                    """
                    INSERT INTO account_holders (account_id, id_number_index, first_card_id)
                    SELECT account_id, id_number_index, card_id FROM bank_cards WHERE card_id = \(bindingID) AND status = 'pending'
                    ON CONFLICT (account_id) DO NOTHING
                    """)
                guard try await connection.query(Self.holderCheckSQL(bindingID)).first?.decode(Bool.self, column: "same") == true else {
                    throw Self.holderMismatch
                }
                // Counted again here, one confirmation of the account at a time (the holder row locked): bindings
                // started while the account had room could otherwise all be confirmed past the limit.
                _ = try await connection.query("SELECT 1 FROM account_holders WHERE account_id = \(caller.description) FOR UPDATE")
                let bound = try await connection.query(
                    "SELECT count(*) AS total FROM bank_cards WHERE account_id = \(caller.description) AND status = 'bound'")
                guard try bound.first?.decode(Int64.self, column: "total") ?? 0 < Self.maxBoundCards else {
                    throw APIError.conflict("card.limit_reached", "an account binds at most \(Self.maxBoundCards) cards; remove one first")
                }
                try await connection.execute(
                    "UPDATE bank_cards SET status = 'bound', bound_at = now() WHERE card_id = \(bindingID) AND status = 'pending'")
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("card.already_bound", "this card is already bound to this account")
        }
        services.logger.notice("bank card bound", metadata: ["card_id": "\(bindingID)", "account": "\(caller)", "correlation_id": "\(correlationID)"])
        guard let bound = try await services.store.card(bindingID, of: caller.description, statuses: ["bound"]) else {
            throw APIError(.internalServerError, "store.lost", "card \(bindingID) vanished")
        }
        return bound
    }
}

/// The resident identity card number of GB 11643: 17 digits and a check character (0-9 or X) computed from them.
enum ResidentID {
    static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count == 18, bytes[..<17].allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(bytes[..<17], weights).reduce(0) { $0 + Int($1.0 - 0x30) * $1.1 }
        return bytes[17] == Array("10X98765432".utf8)[sum % 11]
    }
}
