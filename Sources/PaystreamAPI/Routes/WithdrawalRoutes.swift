import Channels
import Foundation
import Hummingbird
import PaystreamCore
import Postgres
import Risk

/// Withdrawals to a bank card (Bill99) or a WeChat balance, with risk rules, freezing and back-office review.
///
/// - `POST /v1/withdrawals` `{"amountFen","channel":"bill99","cardId"}` (a card the caller bound: ``CardRoutes``)
///   or `{"amountFen","channel":"wechat","openId"}` (an openid the caller bound: ``WeChatAccountRoutes``) → risk rules (a refusal is 403 with code `risk.<rule id>`) →
///   202; the worker freezes the amount (order `requested`).
/// - `GET /v1/withdrawals/{orderId}` → its state, payout included (owner or admin).
/// - Back office (`X-Paystream-Admin`): `GET /v1/admin/withdrawals?status=requested&limit=N&cursor=C` (oldest first, `nextCursor`),
///   `POST /v1/admin/withdrawals/{orderId}/approve`, `POST /v1/admin/withdrawals/{orderId}/reject` `{"reason"}`,
///   `POST /v1/admin/withdrawals/{orderId}/resolve` `{"outcome":"paidOut"|"failed","reason","channelReference"?}` for a
///   payout the dispatcher holds (``resolve(_:admin:body:correlationID:)``).
///   Approval leads to the payout (the payout dispatcher calls the channel; the result, by notify or polling,
///   settles the order `paidOut` or unfreezes it `invalid`); rejection unfreezes it (`invalid`).
struct WithdrawalRoutes: Sendable {
    let services: APIServices

    struct Body: Decodable {
        var amountFen: Int64?
        var channel: Channel?
        var cardId: String?
        var openId: String?
    }

    struct ReviewBody: Decodable { var reason: String? }

    /// The statuses the review queue can be listed by (``PaymentStore/queueConditions``).
    static let listableStatuses = Set(PaymentStore.queueConditions.keys)

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/withdrawals") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let caller = try Caller.account(of: request)
                let body = try await request.decode(Body.self)
                return .json(.accepted, try await requestWithdrawal(caller, body, correlationID: correlationID))
            }
        }
        router.get("/v1/withdrawals/:orderId") { request, context in
            await handle(request, services) { _ in
                let orderID = context.parameters.get("orderId") ?? ""
                let viewer = try Caller.viewer(of: request)
                guard let record = try await services.store.withdrawal(orderID), viewer.mayRead(record.account) else {
                    throw APIError.notFound("withdraw.not_found", "no withdrawal \(orderID) for this caller")
                }
                return .json(.ok, record)
            }
        }
        router.get("/v1/admin/withdrawals") { request, _ in
            await handle(request, services) { _ in
                _ = try Caller.admin(of: request)
                let status = request.uri.queryParameters.get("status").map { String($0) } ?? "requested"
                guard Self.listableStatuses.contains(status) else {
                    throw APIError.badRequest("request.invalid_field", "status must be one of \(Self.listableStatuses.sorted().joined(separator: ", "))")
                }
                let limit = try PageCursor.limit(request.uri.queryParameters.get("limit").map { String($0) }, default: 50)
                let cursor = try PageCursor.parse(request.uri.queryParameters.get("cursor").map { String($0) })
                let page = try await services.store.withdrawals(status: status, limit: limit, after: cursor)
                struct Page: Encodable { var withdrawals: [WithdrawalRecord]; var nextCursor: String? }
                let next = page.count == limit ? page.last.map { PageCursor(id: $0.orderId).token } : nil
                return .json(.ok, Page(withdrawals: page, nextCursor: next))
            }
        }
        router.post("/v1/admin/withdrawals/:orderId/approve") { request, context in
            await handle(request, services) { correlationID in
                let admin = try Caller.admin(of: request)
                let orderID = context.parameters.get("orderId") ?? ""
                let record = try await audited(admin: admin, action: "withdrawal.approve", orderID, correlationID: correlationID) {
                    try await review(orderID, admin: admin, reason: nil, correlationID: correlationID)
                }
                return .json(.accepted, record)
            }
        }
        router.post("/v1/admin/withdrawals/:orderId/resolve") { request, context in
            await handle(request, services) { correlationID in
                var request = request
                let admin = try Caller.admin(of: request)
                let orderID = context.parameters.get("orderId") ?? ""
                let record = try await audited(admin: admin, action: "withdrawal.resolve", orderID, correlationID: correlationID) {
                    let body = try await request.decode(ResolveBody.self)
                    return try await resolve(orderID, admin: admin, body: body, correlationID: correlationID)
                }
                return .json(.ok, record)
            }
        }
        router.post("/v1/admin/withdrawals/:orderId/reject") { request, context in
            await handle(request, services) { correlationID in
                var request = request
                let admin = try Caller.admin(of: request)
                let orderID = context.parameters.get("orderId") ?? ""
                let record = try await audited(admin: admin, action: "withdrawal.reject", orderID, correlationID: correlationID) {
                    let body = try await request.decode(ReviewBody.self)
                    let reason = try InputText.required(body.reason, field: "reason", maxCharacters: 200)
                    return try await review(orderID, admin: admin, reason: reason, correlationID: correlationID)
                }
                return .json(.accepted, record)
            }
        }
    }

    /// Runs an operator's decision on a withdrawal and writes it to the audit trail (`console_audit`, as the
    /// console's own actions are): done with what was decided, refused with the API's code, or failed. An audit row
    /// that cannot be written is logged loudly (``ConsoleAudit/record(admin:action:subject:outcome:detail:correlationID:)``).
    private func audited(
        admin: String, action: String, _ orderID: String, correlationID: String, _ decide: () async throws -> WithdrawalRecord
    ) async throws -> WithdrawalRecord {
        try await ConsoleAudit(postgres: services.store.postgres, logger: services.logger).decision(
            admin: admin, action: action, subject: orderID, correlationID: correlationID, decide
        ) { record in
            "\(record.account) \(record.amountFen) fen via \(record.channel), now \(record.status)\(record.resolutionReason.map { " (\($0))" } ?? "")"
        }
    }

    struct ResolveBody: Decodable {
        var outcome: String?
        var reason: String?
        var channelReference: String?
    }

    /// An operator's resolution of a held withdrawal: `approved`, its payout reported by the channel
    /// (`acknowledged_at`) and still `processing`, and held by the dispatcher with a reason (`failureReason`: a report
    /// contradicting an earlier one, another amount). An unconfirmed refusal is not held (the dispatcher settles it),
    /// and a WeChat transfer awaiting the user's confirmation can only be resolved `paidOut`. `paidOut`
    /// settles it (`withdrawalPaidOut`, the channel's reference or the order number as its transaction), `failed`
    /// unfreezes it (`withdrawalFailed`, the operator's reason): the event goes into the outbox with the payout's
    /// final state, the operator and the reason, in one transaction under the row's lock, so the dispatcher cannot
    /// act on it meanwhile and it is resolved once (409 `withdraw.not_resolvable` after, or for one not held).
    func resolve(_ orderID: String, admin: String, body: ResolveBody, correlationID: String) async throws -> WithdrawalRecord {
        guard OrderNumbers.isWellFormed(orderID) else { throw APIError.notFound("withdraw.not_found", "no withdrawal \(orderID)") }
        guard let outcome = body.outcome, ["paidOut", "failed"].contains(outcome) else {
            throw APIError.badRequest("request.invalid_field", "outcome must be paidOut or failed")
        }
        let reason = try InputText.required(body.reason, field: "reason", maxCharacters: 200)
        if let reference = body.channelReference, !ChannelIdentifiers.isIdentifier(reference, lengths: 1...64) {
            throw APIError.badRequest("request.invalid_field", "channelReference is 1...64 letters, digits or _-|*")
        }
        let note = "resolved by \(admin): \(reason)"
        let payload: MoneyEvent.Payload =
            outcome == "paidOut"
            ? .withdrawalPaidOut(try WithdrawalPaidOut(orderID: orderID, channelTransactionID: body.channelReference ?? orderID))
            : .withdrawalFailed(try WithdrawalFailed(orderID: orderID, reason: PayoutDispatcher.eventReason(note, state: "failed")))
        let event = try MoneyEvent(payload: payload, occurredAt: services.now(), correlationID: correlationID)
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT coalesce(o.status, 'pending') AS status, w.payout_state, w.failure_reason, w.resolved_by,
                       w.acknowledged_at IS NOT NULL AS acknowledged
                FROM withdrawal_requests w
                LEFT JOIN orders o ON o.order_id = w.order_id WHERE w.order_id = \(orderID) FOR UPDATE OF w
                """)
            guard let row = rows.first else { throw APIError.notFound("withdraw.not_found", "no withdrawal \(orderID)") }
            let status = try row.decode(String.self, column: "status")
            let state = try row.decode(String?.self, column: "payout_state")
            // Held: the channel reported the payout (acknowledged) and the dispatcher keeps it frozen with a reason. A
            // refusal the channel has not confirmed is the dispatcher's to settle (the first request may still be on
            // its way), and a transfer awaiting the user's confirmation can still be confirmed in WeChat: failing
            // either could pay twice.
            let held = try row.decode(String?.self, column: "failure_reason") != nil && row.decode(Bool.self, column: "acknowledged")
            guard try row.decode(String?.self, column: "resolved_by") == nil, status == "approved", held,
                state == "processing" || (state == "awaitingUserConfirmation" && outcome == "paidOut")
            else {
                throw APIError.conflict(
                    "withdraw.not_resolvable",
                    "withdrawal \(orderID) is \(status), payout \(state ?? "not sent")\(held ? "" : ", not held"): only a payout the dispatcher holds is resolved, once")
            }
            try await connection.execute(
                """
                UPDATE withdrawal_requests SET payout_state = \(outcome == "paidOut" ? "succeeded" : "failed"),
                       failure_reason = \(outcome == "paidOut" ? nil : note), resolved_by = \(admin), resolution_reason = \(reason),
                       resolved_at = now(), channel_payout_id = coalesce(\(body.channelReference), channel_payout_id), updated_at = now()
                WHERE order_id = \(orderID)
                """)
            try await services.publisher.enqueue(event, family: .withdrawals, on: connection)
        }
        services.logger.notice(
            "held withdrawal resolved",
            metadata: ["order_id": "\(orderID)", "admin": "\(admin)", "outcome": "\(outcome)", "reason": "\(reason)", "correlation_id": "\(correlationID)"])
        return try await services.store.recordedWithdrawal(orderID)
    }

    func requestWithdrawal(_ caller: AccountID, _ body: Body, correlationID: String) async throws -> WithdrawalRecord {
        let amount = try services.amount(body.amountFen)
        let destination: WithdrawalRecord.Destination
        // What the risk rules may read besides the caller: the card paid to (scope `card`, its number's blind index:
        // the same card under any account) and when the destination was bound (`card_bound_at`, `wechat_bound_at`).
        var riskSubjects: [RiskScope: String] = [:]
        var riskAttributes: [String: Date] = [:]
        switch body.channel {
        case .bill99:
            guard let cardID = body.cardId else {
                throw APIError.badRequest("request.missing_field", "cardId (a bound card: POST /v1/cards) is required for a Bill99 withdrawal")
            }
            guard let opened = try await services.store.openBoundCard(cardID, of: caller.description, cipher: services.security.cipher) else {
                throw CardRoutes.notFound(cardID)
            }
            let card = opened.account
            riskSubjects[.card] = opened.numberIndex
            riskAttributes["card_bound_at"] = opened.boundAt
            destination = .init(
                type: "bankAccount", cardId: cardID, accountNumber: card.accountNumber, holderName: card.holderName,
                bankName: card.bankName, mobile: card.mobile)
        case .wechat:
            guard let openID = body.openId, !openID.isEmpty else {
                throw APIError.badRequest("request.missing_field", "openId is required for a WeChat withdrawal")
            }
            // What the WeChat client will send (ChannelIdentifiers): refused here, not after the money is frozen.
            guard ChannelIdentifiers.isIdentifier(openID, lengths: 1...128) else {
                throw APIError.badRequest("request.invalid_field", "openId is 1...128 letters, digits or _-|*")
            }
            // Only an openid WeChat itself gave for this account (web authorization): never a stranger's WeChat.
            guard let appID = services.channels.wechatOAuth?.appID,
                let boundAt = try await services.store.wechatBoundAt(openID, of: caller.description, appID: appID)
            else {
                throw APIError.forbidden(
                    "withdraw.wechat_not_bound", "openId is not a WeChat account bound to this account (bind it: POST /v1/wechat-accounts)")
            }
            riskAttributes["wechat_bound_at"] = boundAt
            // WeChat Pay pays a transfer that names its payee only if the name is the openid's real name. The account
            // holder's name (their first verified card's) goes with every WeChat withdrawal of an account that has one,
            // whatever the amount, so that a WeChat user other than the holder (bound with a stolen credential, say)
            // is not paid; from 2,000.00 CNY on WeChat requires it. Sent encrypted; sealed here at rest.
            let payeeName = try await services.store.holderName(of: caller.description, cipher: services.security.cipher)
            guard payeeName != nil || amount.fen < WeChatPayV3Client.transferNameRequiredFromFen else {
                throw APIError.conflict(
                    "withdraw.payee_name_required",
                    "a WeChat withdrawal of 2,000.00 CNY or more needs the account holder's real name: bind a bank card first (POST /v1/cards)")
            }
            // Refused here, before anything is frozen, rather than by the client at payout.
            guard (payeeName?.count ?? 0) <= WeChatPayV3Client.transferNameMaxCharacters else {
                throw APIError.conflict(
                    "withdraw.payee_name_unsupported",
                    "the account holder's name is longer than WeChat Pay takes (\(WeChatPayV3Client.transferNameMaxCharacters) characters): withdraw to the bank card")
            }
            destination = .init(type: "wechat", holderName: payeeName, openId: openID)
        case .alipay, nil:
            throw APIError.badRequest("withdraw.channel_unsupported", "channel must be bill99 (bank card) or wechat (balance)")
        }
        guard let channel = body.channel else { throw APIError.badRequest("request.missing_field", "channel is required") }

        // A quick answer for an obvious refusal; the worker's freeze is what decides, under the row lock.
        let balance = try await services.store.balance(caller)
        guard balance.availableFen >= amount.fen else {
            throw APIError.conflict("balance.insufficient_available", "available \(balance.availableFen) fen is less than \(amount.fen) fen")
        }

        let orderID = caller.kind == .merchant
            ? services.orderNumber(.withdrawal, merchant: caller.name) : services.orderNumber(.withdrawal, user: caller.name)
        let requestID = "withdraw:\(orderID)"
        let scope: RiskScope = caller.kind == .merchant ? .merchant : .user
        riskSubjects[scope] = caller.name
        let decision = try await services.risk.check(
            action: .withdraw, subjects: riskSubjects, amount: amount, attributes: riskAttributes, requestID: requestID)
        // Money leaving the platform is limited or not paid: a withdrawal no counter rule counted (the rules name
        // other scopes only, e.g. users' and not merchants') is refused, not let through unlimited.
        let unlimited = decision.isAllowed && decision.counters.isEmpty
        try await services.store.recordRiskDecision(
            requestID: requestID, action: "withdraw", subject: caller.description, amount: amount,
            outcome: unlimited ? RiskDecision.Outcome.refused.rawValue : decision.outcome.rawValue, ruleID: decision.ruleID,
            message: unlimited ? "no withdrawal rule counts \(scope.rawValue) accounts" : decision.message)
        guard decision.isAllowed else {
            throw APIError.forbidden(decision.code ?? "risk.refused", decision.message ?? "refused by the risk rules")
        }
        guard !unlimited else {
            services.logger.error(
                "withdrawal refused: no risk rule limits withdrawals of this kind of account; add one to the rules file",
                metadata: ["account": "\(caller)", "scope": "\(scope.rawValue)", "skipped_rules": "\(decision.skippedRuleIDs.joined(separator: ","))"])
            throw APIError.forbidden("risk.unlimited", "no risk rule limits withdrawals of \(scope.rawValue) accounts; refused until one does")
        }

        let event = try MoneyEvent(
            payload: .withdrawalRequested(try WithdrawalRequested(orderID: orderID, account: caller, amount: amount, channel: channel)),
            occurredAt: services.now(), correlationID: correlationID)
        let destinationJSON = String(decoding: APIJSON.encode(try destination.sealed(for: orderID, amountFen: amount.fen, channel: channel.rawValue, with: services.security.cipher)), as: UTF8.self)
        do {
            try await services.store.postgres.withTransaction { connection in
                try await connection.execute(
                    """
                    INSERT INTO withdrawal_requests (order_id, account_id, channel, amount_fen, destination, risk_request_id)
                    VALUES (\(orderID), \(caller.description), \(channel.rawValue), \(amount.fen), \(destinationJSON)::jsonb, \(requestID))
                    """)
                try await services.publisher.enqueue(event, family: .withdrawals, on: connection)
            }
        } catch {
            // Nothing was recorded: give the counted amount back to the day's limits. A COMMIT whose answer was lost
            // may have recorded it all the same, so only a withdrawal known to be absent gives its count back (one
            // that cannot be looked up keeps it: a limit a little too tight, never a withdrawal left uncounted).
            if let found = try? await services.store.postgres.query("SELECT 1 FROM withdrawal_requests WHERE order_id = \(orderID)"),
                found.isEmpty
            {
                _ = try? await services.risk.release(decision)
            }
            throw error
        }
        services.logger.info(
            "withdrawal requested",
            metadata: ["order_id": "\(orderID)", "account": "\(caller)", "fen": "\(amount.fen)", "channel": "\(channel.rawValue)", "correlation_id": "\(correlationID)"])
        return try await services.store.recordedWithdrawal(orderID)
    }

    /// Whether bank-card withdrawal `orderID` pays a card whose person is not the account's holder: a card of another
    /// person, or no bound card while the account has a holder. Requests since migration 0033 cannot
    /// (``PaymentStore/openBoundCard(_:of:cipher:)``); older ones can.
    static func paysAnotherPersonsCard(_ orderID: String, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query(
            """
            SELECT c.id_number_index IS DISTINCT FROM h.id_number_index AS foreign
            FROM withdrawal_requests w
            LEFT JOIN bank_cards c ON c.card_id = w.destination->>'cardId' AND c.account_id = w.account_id
            LEFT JOIN account_holders h ON h.account_id = w.account_id
            WHERE w.order_id = \(orderID) AND w.channel = 'bill99'
            """
        ).first?.decode(Bool.self, column: "foreign") ?? false
    }

    /// Whether withdrawal `orderID` pays a destination its account has removed since it was requested.
    static func paysARemovedDestination(_ orderID: String, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query(
            "SELECT \(literalSQL: destinationRemoved) AS removed FROM withdrawal_requests w WHERE w.order_id = \(orderID)"
        ).first?.decode(Bool.self, column: "removed") ?? false
    }

    /// SQL, over `w` (a `withdrawal_requests` row): whether the account removed the withdrawal's destination since it
    /// was requested: its bank card (Bill99), or its WeChat account, unbound and not bound again (WeChat). A Bill99
    /// withdrawal from before cards were bound names no card and is never stopped; a WeChat one from before bindings
    /// names its openid, and is stopped only if the account binds that openid and unbinds it again.
    static let destinationRemoved: StaticString = """
        CASE w.channel
          WHEN 'bill99' THEN EXISTS (SELECT 1 FROM bank_cards c WHERE c.card_id = w.destination->>'cardId'
                                     AND c.account_id = w.account_id AND c.status = 'removed')
          WHEN 'wechat' THEN EXISTS (SELECT 1 FROM wechat_accounts a WHERE a.openid = w.destination->>'openId'
                                     AND a.account_id = w.account_id AND a.removed_at IS NOT NULL)
                         AND NOT EXISTS (SELECT 1 FROM wechat_accounts a WHERE a.openid = w.destination->>'openId'
                                         AND a.account_id = w.account_id AND a.removed_at IS NULL)
          ELSE false
        END
        """

    /// A destination an account removed: a bound card, or the openid of a WeChat account it unbound.
    enum RemovedDestination {
        case card(String)
        case wechat(String)

        /// The withdrawals' channel, the destination's field that names it, and its value.
        var match: (channel: String, field: String, value: String) {
            switch self {
            case .card(let cardID): ("bill99", "cardId", cardID)
            case .wechat(let openID): ("wechat", "openId", openID)
            }
        }

        /// Why a withdrawal to it is stopped while waiting for review.
        var reason: String { Self.reason(channel: match.channel) }

        /// Why a withdrawal of `channel` to a removed destination is stopped.
        static func reason(channel: String) -> String {
            channel == "wechat" ? "the WeChat account was unbound by its holder" : "the card was removed by its holder"
        }
    }

    /// Rejects the withdrawals to `destination` that the worker has frozen and nobody has reviewed yet, as a review
    /// would (``review(_:admin:reason:correlationID:)``: the row locked, marked reviewed, the rejection in the
    /// outbox), reviewed by the account itself. Returns their order ids.
    static func rejectWaiting(
        to destination: RemovedDestination, of account: String, services: APIServices, correlationID: String, on connection: PostgresConnection
    ) async throws -> [String] {
        let (channel, key, value) = destination.match
        let waiting = try await connection.query(
            """
            SELECT w.order_id FROM withdrawal_requests w JOIN orders o ON o.order_id = w.order_id
            WHERE w.account_id = \(account) AND w.channel = \(channel) AND w.destination->>\(key) = \(value)
              AND o.status = 'requested' AND w.reviewed_by IS NULL
            ORDER BY w.order_id
            FOR UPDATE OF w
            """)
        var rejected: [String] = []
        for row in waiting {
            // A row an operator reviewed while this waited for its lock is left out (FOR UPDATE checks the condition
            // again on the row it locks): the decision stands, and an approval is not paid out (payout dispatcher).
            let orderID = try row.decode(String.self, column: "order_id")
            try await rejectLocked(orderID, reviewer: account, reason: destination.reason, services: services, correlationID: correlationID, on: connection)
            rejected.append(orderID)
        }
        return rejected
    }

    /// Marks withdrawal `orderID` (its row locked by the caller, not reviewed) rejected by `reviewer` for `reason`,
    /// with its rejection in the outbox, in the caller's transaction.
    static func rejectLocked(
        _ orderID: String, reviewer: String, reason: String, services: APIServices, correlationID: String, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            """
            UPDATE withdrawal_requests SET reviewed_by = \(reviewer), review_reason = \(reason), updated_at = now()
            WHERE order_id = \(orderID)
            """)
        let event = try MoneyEvent(
            payload: .withdrawalRejected(try WithdrawalRejected(orderID: orderID, reason: reason)), occurredAt: services.now(),
            correlationID: correlationID)
        try await services.publisher.enqueue(event, family: .withdrawals, on: connection)
    }

    /// Approve (reason nil) or reject: only a withdrawal the worker has frozen (`requested`) can be reviewed,
    /// once, and only one that pays the account holder's own card is approved (``paysAnotherPersonsCard(_:on:)``).
    /// The decision is an event in the outbox, written with the review in one transaction.
    func review(_ orderID: String, admin: String, reason: String?, correlationID: String) async throws -> WithdrawalRecord {
        guard OrderNumbers.isWellFormed(orderID) else { throw APIError.notFound("withdraw.not_found", "no withdrawal \(orderID)") }
        let payload: MoneyEvent.Payload =
            if let reason { .withdrawalRejected(try WithdrawalRejected(orderID: orderID, reason: reason)) } else {
                .withdrawalApproved(try WithdrawalApproved(orderID: orderID, approvedBy: admin))
            }
        let event = try MoneyEvent(payload: payload, occurredAt: services.now(), correlationID: correlationID)
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT coalesce(o.status, 'pending') AS status, w.reviewed_by FROM withdrawal_requests w
                LEFT JOIN orders o ON o.order_id = w.order_id WHERE w.order_id = \(orderID) FOR UPDATE OF w
                """)
            guard let row = rows.first else { throw APIError.notFound("withdraw.not_found", "no withdrawal \(orderID)") }
            let status = try row.decode(String.self, column: "status")
            if let reviewer = try row.decode(String?.self, column: "reviewed_by") {
                throw APIError.conflict("withdraw.already_reviewed", "withdrawal \(orderID) was already reviewed by \(reviewer)")
            }
            guard status == "requested" else {
                throw APIError.conflict("withdraw.not_reviewable", "withdrawal \(orderID) is \(status), not requested")
            }
            // Its card or WeChat account was removed after it was requested, before the worker froze it or while the
            // removal ran (a waiting one is rejected with the removal): it is not paid where its holder gave up.
            if reason == nil, try await Self.paysARemovedDestination(orderID, on: connection) {
                throw APIError.conflict(
                    "withdraw.destination_removed",
                    "withdrawal \(orderID) pays a card or WeChat account its holder has removed since: reject it")
            }
            // A withdrawal requested before account holders were kept (migration 0033) may pay another person's card.
            if reason == nil, try await Self.paysAnotherPersonsCard(orderID, on: connection) {
                throw APIError.conflict(
                    "withdraw.card_not_holders",
                    "withdrawal \(orderID) pays a card not in the name of the account's holder (requested before holders were kept): reject it")
            }
            try await connection.execute(
                """
                UPDATE withdrawal_requests SET reviewed_by = \(admin), review_reason = \(reason), updated_at = now()
                WHERE order_id = \(orderID)
                """)
            try await services.publisher.enqueue(event, family: .withdrawals, on: connection)
        }
        services.logger.notice(
            reason == nil ? "withdrawal approved" : "withdrawal rejected",
            metadata: ["order_id": "\(orderID)", "admin": "\(admin)", "reason": "\(reason ?? "")", "correlation_id": "\(correlationID)"])
        return try await services.store.recordedWithdrawal(orderID)
    }
}
