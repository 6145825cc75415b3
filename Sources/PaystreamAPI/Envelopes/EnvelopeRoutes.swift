import EventBus
import Foundation
import Hummingbird
import PaystreamCore
import Postgres
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Red envelopes: send, grab, list.
///
/// - `POST /v1/envelopes` `{"totalFen","shares","mode":"random"|"equal","greeting"?,"expiresInSeconds"?,"groupId"?,
///   "receiver"?,"payWith":"wechat"|"alipay"|"wallet"}` (user; exactly one of `groupId`, a group the sender is a
///   member of (``GroupRoutes``), and `receiver`, another user) → 201 the envelope (status `created`) with the
///   channel's `codeUrl` to pay, or, from the wallet, 201 once its funding event is queued. The split is decided
///   now; the shares go to Redis when the payment has been applied (status `funded`).
/// - `POST /v1/envelopes/{id}/grab` (user) → 200 `{"grabId","amountFen"}`: one atomic Redis script, then the grab
///   event on Kafka (keyed by the envelope), acknowledged before the answer. 409 `envelope.already_grabbed`
///   (with the first grab), 403 `envelope.not_for_you` (neither its receiver nor a member of its group), 410 `envelope.empty` / `envelope.expired` / `envelope.unpaid` (its payment failed or was
///   closed), 409 `envelope.not_funded`.
/// - `GET /v1/envelopes/{id}` (its sender, receiver or group's members; 404 for anyone else) → the envelope and its grabs: from Redis while it holds them, from PostgreSQL
///   after (committed grabs), the same shape either way; `source` says which.
struct EnvelopeRoutes: Sendable {
    let services: APIServices

    struct SendBody: Decodable {
        var totalFen: Int64?
        var shares: Int?
        var mode: EnvelopeSplit.Mode?
        var greeting: String?
        var expiresInSeconds: Int?
        var groupId: String?
        var receiver: String?
        var payWith: String?
    }

    struct Listing: Encodable {
        var envelope: EnvelopeRecord
        var grabs: [EnvelopeHotState.Grab]
        var grabbedFen: Int64
        var sharesLeft: Int
        var source: String
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/envelopes") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let sender = try Caller.account(of: request)
                guard sender.kind == .user else { throw APIError.forbidden("envelope.users_only", "only users send envelopes") }
                let body = try await request.decode(SendBody.self)
                return .json(.created, try await send(sender, body, correlationID: correlationID))
            }
        }
        router.post("/v1/envelopes/:envelopeId/grab") { request, context in
            await handle(request, services) { correlationID in
                let grabber = try Caller.account(of: request)
                guard grabber.kind == .user else { throw APIError.forbidden("envelope.users_only", "only users grab envelopes") }
                return try await grab(context.parameters.get("envelopeId") ?? "", grabber: grabber, correlationID: correlationID)
            }
        }
        router.get("/v1/envelopes/:envelopeId") { request, context in
            await handle(request, services) { _ in
                let caller = try Caller.account(of: request)
                return .json(.ok, try await listing(context.parameters.get("envelopeId") ?? "", for: caller))
            }
        }
    }

    func send(_ sender: AccountID, _ body: SendBody, correlationID: String) async throws -> EnvelopeRecord {
        let total = try services.amount(body.totalFen, field: "totalFen")
        guard let count = body.shares else { throw APIError.badRequest("request.missing_field", "shares is required") }
        let mode = body.mode ?? .random
        var generator = SystemRandomNumberGenerator()
        let shares: [Amount]
        do { shares = try EnvelopeSplit.split(total: total, shares: count, mode: mode, using: &generator) } catch {
            throw APIError.badRequest(error.code, error.message)
        }
        let greeting = try InputText.optional(body.greeting, field: "greeting", maxCharacters: 60, default: "恭喜发财，大吉大利")
        let expiresIn = body.expiresInSeconds ?? 86_400
        guard (1...7 * 86_400).contains(expiresIn) else {
            throw APIError.badRequest("envelope.invalid_expiry", "expiresInSeconds must be 1...604800 (default 86400)")
        }
        let payWith = body.payWith ?? "wechat"
        let envelopeID = services.orderNumber(.envelope, user: sender.name)
        let (groupID, receiver) = try await audience(body, sender: sender)
        let insertEnvelope: (PostgresConnection) async throws -> Void = { connection in
            try await services.store.insertEnvelope(
                envelopeID, sender: sender, total: total, shares: shares, mode: mode, greeting: greeting, groupID: groupID,
                receiver: receiver, payWith: payWith, expiresInSeconds: expiresIn, on: connection)
        }
        switch payWith {
        case "wechat", "alipay":
            _ = try await PaymentOrders(services: services).create(
                orderID: envelopeID, kind: .envelope, purpose: .envelope, account: sender, amount: total,
                channel: Channel(rawValue: payWith)!, page: false, description: greeting, collectCodeID: nil,
                correlationID: correlationID, also: insertEnvelope)
        case "wallet":
            let balance = try await services.store.balance(sender)
            guard balance.availableFen >= total.fen else {
                throw APIError.conflict("balance.insufficient_available", "available \(balance.availableFen) fen is less than \(total.fen) fen")
            }
            let event = try MoneyEvent(
                payload: .envelopeWalletFunded(try EnvelopeWalletFunded(envelopeOrderID: envelopeID, sender: sender, amount: total)),
                occurredAt: services.now(), correlationID: correlationID)
            try await services.store.postgres.withTransaction { connection in
                try await connection.execute(
                    """
                    INSERT INTO orders (order_id, kind, status, owner_account, amount_fen)
                    VALUES (\(envelopeID), 'envelope', 'created', \(sender.description), \(total.fen))
                    """)
                try await insertEnvelope(connection)
                try await services.publisher.enqueue(event, family: .envelopeGrabs, on: connection)
            }
        default:
            throw APIError.badRequest("envelope.invalid_payment", "payWith must be wechat, alipay or wallet")
        }
        services.logger.info(
            "envelope sent", metadata: ["envelope_id": "\(envelopeID)", "fen": "\(total.fen)", "shares": "\(count)", "correlation_id": "\(correlationID)"])
        guard let record = try await services.store.envelope(envelopeID) else {
            throw APIError(.internalServerError, "store.lost", "envelope \(envelopeID) vanished after insert")
        }
        return record
    }

    /// Who the envelope is for: exactly one of a group the sender is a member of (404 `group.not_found`
    /// otherwise) and one user other than the sender. 400 `envelope.audience_required` for neither or both.
    private func audience(_ body: SendBody, sender: AccountID) async throws -> (group: String?, receiver: String?) {
        switch (body.groupId, body.receiver) {
        case (let group?, nil):
            guard OrderNumbers.isWellFormed(group), try await services.groups.isMember(sender, of: group) else {
                throw APIError.notFound("group.not_found", "no group \(group.prefix(64)) of yours")
            }
            return (group, nil)
        case (nil, let receiver?):
            guard let account = AccountID(receiver), account.kind == .user else {
                throw APIError.badRequest("envelope.invalid_receiver", "receiver must be a user account (user:<name>)")
            }
            guard account != sender else { throw APIError.badRequest("envelope.invalid_receiver", "an envelope is not sent to its own sender") }
            // One receiver grabs once: more shares would wait for the expiry refund.
            guard body.shares == 1 else { throw APIError.badRequest("envelope.invalid_shares", "an envelope for one receiver has 1 share") }
            return (nil, account.description)
        default:
            throw APIError.badRequest("envelope.audience_required", "an envelope goes to exactly one of groupId and receiver")
        }
    }

    func grab(_ envelopeID: String, grabber: AccountID, correlationID: String) async throws -> Response {
        guard OrderNumbers.isWellFormed(envelopeID) else { throw APIError.notFound("envelope.not_found", "no envelope \(envelopeID.prefix(64))") }
        // A grab takes its envelope's route: an envelope and its grabs are applied by one worker group.
        let grabID = OrderNumbers.make(.grab, now: services.now(), route: TrafficRoute.of(orderKey: envelopeID))
        let hot = services.envelopes
        var group = hot.groupOf[envelopeID]
        var result = try await APIStages.grabScript.measure {
            try await hot.grab(envelopeID: envelopeID, user: grabber, grabID: grabID, now: services.now(), group: group)
        }
        // The script names the envelope's group when the grab did not (first grab here), and asks for the members
        // when Redis lacks them; each at most once.
        if case .group(let named) = result {
            hot.groupOf.learn(named, of: envelopeID)
            group = named
            result = try await hot.grab(envelopeID: envelopeID, user: grabber, grabID: grabID, now: services.now(), group: group)
        }
        // Redis lacks the group's members: this grab loads them, or, while another grab loads them (one loader per
        // group), waits for them up to 2 s, then is told to try again.
        if let group {
            var waited = 0
            while case .membersUnknown = result, waited < 40 {
                if try await !services.groups.loadIntoRedis(group) { try await Task.sleep(for: .milliseconds(50)) }
                waited += 1
                result = try await hot.grab(envelopeID: envelopeID, user: grabber, grabID: grabID, now: services.now(), group: group)
            }
        }
        switch result {
        case .granted(let grabID, let fen, let senderText):
            GrabFaultInjection.afterGrabScript()
            guard let sender = AccountID(senderText) else { throw EnvelopeStateError("envelope \(envelopeID) has sender \(senderText)") }
            let event = try MoneyEvent(
                payload: .envelopeGrabbed(
                    try EnvelopeGrabbed(envelopeOrderID: envelopeID, grabID: grabID, sender: sender, grabber: grabber, amount: try Amount(fen: fen))),
                occurredAt: services.now(), correlationID: correlationID)
            struct Granted: Encodable { var grabId: String; var amountFen: Int64; var credit: String }
            do {
                try await APIStages.grabProduce.measure { try await services.publisher.publish(event, family: .envelopeGrabs) }
            } catch {
                // Kafka did not take it. The grab goes to the outbox, which the worker's relay publishes once Kafka takes
                // messages again: then it is in PostgreSQL, not only in Redis' pending record, which Redis can lose (the
                // reload then offered its share again, and the user never had what they were told). A second copy, from
                // the pending record's re-drive, is a duplicate the ledger ignores.
                do {
                    try await services.store.postgres.withTransaction { try await services.publisher.enqueue(event, family: .envelopeGrabs, on: $0) }
                    services.logger.warning(
                        "grab event not acknowledged by Kafka; kept in the outbox", metadata: ["grab_id": "\(grabID)", "error": "\(error)"])
                    return .json(.ok, Granted(grabId: grabID, amountFen: fen, credit: "queued"))
                } catch let outboxError {
                    // In Redis alone (pending): compensation produces it again, unless Redis loses it first.
                    services.logger.error(
                        "grab event neither acknowledged nor kept in the outbox; compensation will re-drive it from Redis",
                        metadata: ["grab_id": "\(grabID)", "error": "\(error)", "outbox_error": "\(outboxError)"])
                    return .json(.ok, Granted(grabId: grabID, amountFen: fen, credit: "pending"))
                }
            }
            return .json(.ok, Granted(grabId: grabID, amountFen: fen, credit: "queued"))
        case .alreadyGrabbed(let grabID, let fen):
            throw APIError.conflict("envelope.already_grabbed", "you already grabbed \(fen) fen of this envelope (grab \(grabID))")
        case .outsider:
            throw APIError.forbidden("envelope.not_for_you", "this envelope is for its receiver or its group's members only")
        case .group, .membersUnknown:
            throw APIError(.serviceUnavailable, "envelope.not_ready", "this envelope's group is being loaded; try again")
        case .empty:
            throw APIError(.gone, "envelope.empty", "every share of this envelope has been grabbed")
        case .expired:
            throw APIError(.gone, "envelope.expired", "this envelope has expired")
        case .unknown:
            // Not in Redis: its audience is checked here, so that an outsider learns nothing of its state either.
            guard let envelope = try await services.store.envelope(envelopeID), try await mayView(envelope, grabber) else {
                throw APIError.notFound("envelope.not_found", "no envelope \(envelopeID)")
            }
            switch envelope.status {
            case "created": throw APIError.conflict("envelope.not_funded", "this envelope has not been paid yet")
            case "finished": throw APIError(.gone, "envelope.empty", "every share of this envelope has been grabbed")
            case "expired": throw APIError(.gone, "envelope.expired", "this envelope has expired")
            case "failed", "closed": throw APIError(.gone, "envelope.unpaid", "this envelope's payment failed or was closed; it will never be funded")
            default:
                // Funded, but not in Redis: not loaded yet, or loaded and lost since (Redis restarted empty). A lost one
                // is marked for the envelope reloader to load again from the ledger.
                if envelope.activated, try await services.store.requestReload(envelopeID) {
                    services.logger.warning("envelope missing from Redis; reload requested", metadata: ["envelope_id": "\(envelopeID)"])
                }
                throw APIError(.serviceUnavailable, "envelope.not_ready", "this envelope is being prepared; try again")
            }
        }
    }

    /// The sender, the receiver and the group's members see an envelope, the same audience the grab script checks
    /// (``EnvelopeHotState/Audience/of(receiver:group:groupExists:)``): one sent before audiences were checked, naming
    /// neither a user nor an existing group, is seen by every user, as any user may grab it.
    private func mayView(_ envelope: EnvelopeRecord, _ caller: AccountID) async throws -> Bool {
        if caller.description == envelope.sender { return true }
        if let group = envelope.groupId, try await services.groups.isMember(caller, of: group) { return true }
        let audience = try await EnvelopeHotState.Audience.of(receiver: envelope.receiver, group: envelope.groupId) {
            try await services.groups.exists($0)
        }
        return audience.isOpen || audience.receiver == caller.description
    }

    func listing(_ envelopeID: String, for caller: AccountID) async throws -> Listing {
        guard OrderNumbers.isWellFormed(envelopeID), let envelope = try await services.store.envelope(envelopeID),
            try await mayView(envelope, caller)
        else {
            throw APIError.notFound("envelope.not_found", "no envelope \(envelopeID)")
        }
        // Redis keeps an envelope's keys for a day past its expiry, and a grab granted there may have come too late
        // for the ledger (refused after the expiry refund). An expired envelope is told from PostgreSQL, the truth.
        if envelope.status != "expired", let hot = try await services.envelopes.snapshot(envelopeID: envelopeID) {
            return Listing(
                envelope: envelope, grabs: hot.grabs, grabbedFen: hot.grabs.reduce(0) { $0 + $1.amountFen }, sharesLeft: hot.sharesLeft,
                source: "redis")
        }
        let grabs = try await services.store.committedGrabs(envelopeID)
        let left = ["funded", "created"].contains(envelope.status) ? envelope.shares - grabs.count : 0
        return Listing(envelope: envelope, grabs: grabs, grabbedFen: grabs.reduce(0) { $0 + $1.amountFen }, sharesLeft: left, source: "postgres")
    }
}

/// Test-only switch: `PAYSTREAM_TEST_KILL_AFTER_GRABS=N` makes paystream-api kill itself (SIGKILL) right after
/// the N-th granted grab script, before the grab event is produced: the moment a grab exists only in Redis.
/// Nothing sets it outside tests.
enum GrabFaultInjection {
    static let limit: Int? = ProcessInfo.processInfo.environment["PAYSTREAM_TEST_KILL_AFTER_GRABS"].flatMap(Int.init)
    static let count = Counter()

    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    }

    static func afterGrabScript() {
        guard let limit else { return }
        if count.increment() >= limit { kill(getpid(), SIGKILL) }
    }
}
