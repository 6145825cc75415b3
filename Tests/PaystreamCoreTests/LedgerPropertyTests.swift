import Testing
@testable import PaystreamCore

/// Random sequences of plausible and implausible events, applied through the rules to an
/// ``InMemoryLedgerView``; the ledger invariants of money.md rule 6 must hold after every step.
@Suite("Ledger properties")
struct LedgerPropertyTests {
    struct Scenario {
        var random: SeededGenerator
        let users = (0..<5).map { Fixture.user("u\($0)") }
        var next = 0
        var known: [String] = []

        mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }
        mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
        mutating func fresh(_ prefix: String) -> String {
            next += 1
            return "\(prefix)-\(next)"
        }
        mutating func fen(_ max: Int64) -> Int64 { Int64.random(in: 1...max, using: &random) }

        /// An existing order of one of `kinds` (mostly), or an arbitrary known or unknown id.
        mutating func orderID(_ ledger: InMemoryLedgerView, kinds: Set<OrderKind>) -> String {
            let matching = ledger.orders.values.filter { kinds.contains($0.kind) }.map(\.orderID).sorted()
            if !matching.isEmpty && chance(85) { return pick(matching) }
            return chance(50) && !known.isEmpty ? pick(known) : fresh("x")
        }

        mutating func event(_ ledger: InMemoryLedgerView) -> MoneyEvent {
            let user = pick(users)
            switch pick(EventType.allCases) {
            case .paymentSucceeded:
                let purpose = pick(PaymentSucceeded.Purpose.allCases)
                let prefix = switch purpose { case .recharge: "r"; case .envelope: "e"; case .collection: "c" }
                let id = chance(80) ? fresh(prefix) : orderID(ledger, kinds: [.recharge, .envelope, .collection])
                let existing = ledger.order(id)
                let amount = existing.map { chance(90) ? $0.amount.fen : fen(5000) } ?? fen(5000)
                // A collection credits a merchant; the others credit the paying user.
                let payer = purpose == .collection ? try! AccountID.merchant("shop") : user
                return Fixture.paymentSucceeded(
                    order: id, channel: pick(Channel.allCases), transaction: fresh("tx"), fen: amount,
                    payer: existing.map { chance(90) && $0.owner.kind == payer.kind ? $0.owner : payer } ?? payer, purpose: purpose)
            case .paymentFailed:
                return Fixture.paymentFailed(order: orderID(ledger, kinds: [.recharge, .envelope]), channel: pick(Channel.allCases))
            case .transferRequested:
                let id = chance(90) ? fresh("t") : orderID(ledger, kinds: [.transfer])
                return Fixture.transfer(order: id, from: user, to: chance(95) ? pick(users) : user, fen: fen(2000))
            case .envelopeGrabbed:
                let id = orderID(ledger, kinds: [.envelope])
                let envelope = ledger.order(id)
                let sender = envelope.map { chance(95) && $0.owner.kind == .user ? $0.owner : user } ?? user
                let rest = envelope.map { max(1, $0.amount.fen - $0.settledFen) } ?? 1000
                let amount = chance(70) ? fen(rest) : fen(rest + 100)
                return Fixture.grab(envelope: id, grab: chance(95) ? fresh("g") : "g-1", sender: sender, grabber: pick(users), fen: amount)
            case .refundRequested:
                let id = orderID(ledger, kinds: [.recharge, .collection, .transfer])
                let original = ledger.order(id)
                var payer = user
                var destination: RefundDestination = .channel(pick(Channel.allCases))
                if let original, chance(90) {
                    payer = (original.kind == .transfer ? original.counterparty : original.owner) ?? user
                    destination = original.kind == .transfer ? .wallet(original.owner) : .channel(original.channel ?? .wechat)
                }
                let rest = original.map { max(1, $0.amount.fen - $0.settledFen) } ?? 1000
                return Fixture.refund(refund: chance(95) ? fresh("rf") : id, original: id, payer: payer, fen: fen(rest), destination: destination)
            case .refundReturned:
                // Mostly a refund as it was made; sometimes another amount, payer, channel or original.
                let id = orderID(ledger, kinds: [.refund])
                let refund = ledger.order(id)
                let faithful = refund != nil && chance(85)
                return Fixture.refundReturned(
                    refund: id, original: faithful ? refund?.parentOrderID ?? id : orderID(ledger, kinds: [.recharge, .collection]),
                    payer: faithful ? refund!.owner : user, channel: faithful ? refund?.channel ?? .wechat : pick(Channel.allCases),
                    fen: faithful ? refund!.amount.fen : fen(1000))
            case .withdrawalRequested:
                return Fixture.withdraw(order: chance(95) ? fresh("w") : orderID(ledger, kinds: [.withdraw]), account: user, fen: fen(3000), channel: pick(Channel.allCases))
            case .withdrawalApproved: return Fixture.approve(order: orderID(ledger, kinds: [.withdraw]))
            case .withdrawalPaidOut: return Fixture.paidOut(order: orderID(ledger, kinds: [.withdraw]), transaction: fresh("po"))
            case .withdrawalRejected: return Fixture.reject(order: orderID(ledger, kinds: [.withdraw]))
            case .withdrawalFailed: return Fixture.fail(order: orderID(ledger, kinds: [.withdraw]))
            case .envelopeWalletFunded:
                return Fixture.walletFunded(envelope: chance(80) ? fresh("e") : orderID(ledger, kinds: [.envelope]), sender: user, fen: fen(3000))
            case .envelopeExpired:
                let id = orderID(ledger, kinds: [.envelope])
                let sender = ledger.order(id).map { chance(95) && $0.owner.kind == .user ? $0.owner : user } ?? user
                return Fixture.expire(envelope: id, sender: sender, destination: chance(50) ? .wallet(sender) : .channel(ledger.order(id)?.channel ?? .wechat))
            case .envelopeRestReturned:
                let id = orderID(ledger, kinds: [.envelope])
                let envelope = ledger.order(id)
                let sender = envelope.map { chance(95) && $0.owner.kind == .user ? $0.owner : user } ?? user
                let rest = envelope.map { chance(90) ? max(1, $0.amount.fen - $0.settledFen) : fen(5000) } ?? fen(5000)
                let channel = chance(90) ? (envelope?.channel ?? pick(Channel.allCases)) : pick(Channel.allCases)
                return Fixture.event(
                    .envelopeRestReturned(try! EnvelopeRestReturned(envelopeOrderID: id, sender: sender, channel: channel, amount: Fixture.fen(rest), reason: "CLOSED")))
            }
        }
    }

    static func checkInvariants(_ ledger: InMemoryLedgerView, seed: UInt64, step: Int) {
        let journal = ledger.journal
        var fromPostings: [BalanceKey: Int64] = [:]
        var total: Int64 = 0
        var grabbedFen: [String: Int64] = [:]
        var refundedFen: [String: Int64] = [:]
        for entry in journal {
            #expect((try? CheckedMath.sum(entry.postings.map(\.amountFen))) == 0, "seed \(seed) step \(step): \(entry)")
            for posting in entry.postings {
                fromPostings[BalanceKey(account: posting.account, bucket: posting.bucket), default: 0] += posting.amountFen
                total += posting.amountFen
                if posting.amountFen > 0 && entry.kind == .envelopeGrab { grabbedFen[entry.orderID, default: 0] += posting.amountFen }
                if posting.amountFen > 0 && entry.kind == .refund { refundedFen[entry.orderID, default: 0] += posting.amountFen }
                if posting.amountFen > 0 && entry.kind == .refundReturned { refundedFen[entry.orderID, default: 0] -= posting.amountFen }
            }
        }
        #expect(total == 0, "seed \(seed) step \(step): all postings sum to \(total)")
        let balances = ledger.balancesFen
        #expect(balances == fromPostings, "seed \(seed) step \(step): balances differ from postings")
        for (key, balance) in balances where !key.account.mayGoNegative {
            #expect(balance >= 0, "seed \(seed) step \(step): \(key) = \(balance)")
        }
        for order in ledger.orders.values {
            #expect(order.settledFen >= 0 && order.settledFen <= order.amount.fen, "seed \(seed) step \(step): \(order)")
            switch order.kind {
            case .envelope:
                #expect(grabbedFen[order.orderID, default: 0] == order.settledFen, "seed \(seed) step \(step): grabs of \(order.orderID)")
                #expect((order.status == .finished) == (order.settledFen == order.amount.fen), "seed \(seed): \(order)")
            case .recharge, .transfer, .collection:
                #expect(refundedFen[order.orderID, default: 0] == order.settledFen, "seed \(seed) step \(step): refunds of \(order.orderID)")
            default:
                #expect(order.settledFen == 0)
            }
            #expect(OrderStateMachine.statuses(for: order.kind).contains(order.status))
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8, 99, 12345])
    func randomEventSequencesKeepTheInvariants(seed: UInt64) throws {
        var scenario = Scenario(random: SeededGenerator(seed: seed))
        let ledger = InMemoryLedgerView()
        var applied = 0
        var codes: Set<String> = []
        for step in 0..<600 {
            let original = scenario.event(ledger)
            let event = try MoneyEvent.decode(original.encode())  // what a worker would see
            scenario.known.append(event.orderKey)
            switch LedgerRules.effects(of: event, in: ledger) {
            case .success(let effects):
                #expect(effects.followUps.count == 1)
                #expect(effects.entries.allSatisfy { $0.idempotencyKey == event.idempotencyKey && $0.orderID == event.orderKey })
                // The rules never produce what the ledger would refuse.
                try ledger.apply(effects)
                applied += 1
                // Redelivery of an applied event is refused, never applied twice.
                guard case .failure = LedgerRules.effects(of: event, in: ledger) else {
                    Issue.record("seed \(seed) step \(step): \(event.type) applied twice")
                    continue
                }
            case .failure(let rejection):
                codes.insert(rejection.code)
            }
            Self.checkInvariants(ledger, seed: seed, step: step)
        }
        #expect(applied > 100, "seed \(seed): only \(applied) events applied")
        #expect(codes.count >= 5, "seed \(seed): rejections \(codes.sorted())")
    }
}
