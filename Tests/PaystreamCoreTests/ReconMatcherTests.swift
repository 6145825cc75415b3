import PaystreamCore
import Testing

/// Every classification of the external reconciliation, including cross-day holding, on plain values.
@Suite("Reconciliation matcher")
struct ReconMatcherTests {
    static let day = "2026-03-10"
    static let nextDay = "2026-03-11"

    static func bill(_ number: String, fen: Int64 = 100, at time: String = "2026-03-10 10:00:00", status: String = "SUCCESS", tx: String? = nil)
        -> ChannelBillRecord
    {
        ChannelBillRecord(
            channel: .wechat, kind: .payment, transactionID: tx ?? "tx-\(number)", outTradeNo: number, status: status,
            succeeded: status == "SUCCESS", amountFen: fen, billedAt: time)
    }

    static func booked(_ number: String, fen: Int64 = 100, at time: String = "2026-03-10 10:00:01", tx: String? = nil) -> PlatformRecord {
        PlatformRecord(
            channel: .wechat, kind: .payment, orderID: number, transactionID: tx ?? "tx-\(number)", status: "paid", booked: true,
            amountFen: fen, bookedAt: time)
    }

    static func run(
        bill: [ChannelBillRecord], nextDay: [ChannelBillRecord]? = [], booked: [PlatformRecord], held: [ReconItem] = [],
        known: [PlatformRecord] = [], day: String = day
    ) -> [String: ReconItem] {
        let items = ReconMatcher.match(
            ReconInput(
                day: day, channel: .wechat, bill: bill, nextDayBill: nextDay, booked: booked, held: held,
                platformByKey: Dictionary(uniqueKeysWithValues: known.map { ($0.key, $0) })))
        return Dictionary(uniqueKeysWithValues: items.map { ($0.key.number, $0) })
    }

    @Test func matchedWhenBothAgree() {
        let items = Self.run(bill: [Self.bill("a")], booked: [Self.booked("a")])
        #expect(items["a"]?.classification == .matched)
        #expect(items["a"]?.note == nil)
        #expect(items.count == 1)
    }

    @Test func platformOnlyWhenTheBillLacksABooking() {
        let items = Self.run(bill: [], booked: [Self.booked("a")])
        #expect(items["a"]?.classification == .platformOnly)
        #expect(items["a"]?.bill == nil && items["a"]?.platform?.amountFen == 100)
    }

    @Test func channelOnlyWhenThePlatformKnowsNothing() {
        let items = Self.run(bill: [Self.bill("x", fen: 777)], booked: [])
        #expect(items["x"]?.classification == .channelOnly)
        #expect(items["x"]?.bill?.amountFen == 777)
    }

    /// A payment the bill lists three times: the first row pairs with the booking, each repeat is a difference of its
    /// own under a key of its own (a run's items must have distinct keys to be stored).
    @Test func aRowTheBillHasTwiceIsADifferenceOfItsOwn() {
        let items = Self.run(bill: [Self.bill("a"), Self.bill("a"), Self.bill("a")], booked: [Self.booked("a")])
        #expect(items.count == 3)
        #expect(items["a"]?.classification == .matched)
        for n in [2, 3] {
            let repeated = items["a#dup\(n)"]
            #expect(repeated?.classification == .channelOnly)
            #expect(repeated?.bill?.outTradeNo == "a" && repeated?.platform == nil)
            #expect(repeated?.note == "duplicate bill row: row \(n) for payment:a")
        }
    }

    /// Payout rows (a channel asked about each payout): one the channel made after the day, which the platform has
    /// not booked yet, is held for the next day (it was a status difference on a run made before the platform heard of
    /// it); one whose answer did not read is a status difference that says so, whatever the platform's side.
    @Test func payoutRowsPaidAfterTheDayAreHeldAndUnansweredOnesSaySo() throws {
        func payout(_ number: String, status: String, succeeded: Bool, fen: Int64, at: String) -> ChannelBillRecord {
            ChannelBillRecord(
                channel: .wechat, kind: .payout, transactionID: succeeded ? "tb-\(number)" : "", outTradeNo: number, status: status,
                succeeded: succeeded, amountFen: fen, billedAt: at)
        }
        func platform(_ number: String, status: String = "approved", bookedAt: String? = nil) -> PlatformRecord {
            PlatformRecord(
                channel: .wechat, kind: .payout, orderID: number, transactionID: nil, status: status, booked: bookedAt != nil, amountFen: 500,
                bookedAt: bookedAt)
        }
        func match(day: String, _ rows: [ChannelBillRecord], held: [ReconItem] = [], known: [PlatformRecord]) -> [String: ReconItem] {
            Dictionary(uniqueKeysWithValues: ReconMatcher.match(
                ReconInput(
                    day: day, channel: .wechat, bill: rows, nextDayBill: nil, booked: [], held: held,
                    platformByKey: Dictionary(uniqueKeysWithValues: known.map { ($0.key, $0) }))
            ).map { ($0.key.number, $0) })
        }
        let late = payout("late", status: "SUCCESS", succeeded: true, fen: 500, at: "\(Self.nextDay) 00:05:00")
        let items = match(day: Self.day, [
            late,
            payout("same", status: "SUCCESS", succeeded: true, fen: 500, at: "\(Self.day) 18:00:00"),
            payout("odd", status: "\(ReconMatcher.unansweredStatus) (channel.malformed_response)", succeeded: false, fen: 0, at: "\(Self.day) 00:00:00"),
            payout("failed", status: "SUCCESS", succeeded: true, fen: 500, at: "\(Self.nextDay) 00:05:00"),
        ], known: [platform("late"), platform("same"), platform("odd"), platform("failed", status: "invalid")])
        #expect(items["late"]?.classification == .held)
        #expect(items["late"]?.note == "paid out by the channel on \(Self.nextDay); the platform has not booked it yet")
        #expect(items["same"]?.classification == .statusDiffers)
        #expect(items["odd"]?.classification == .statusDiffers)
        #expect(items["odd"]?.note?.hasPrefix("the channel's answer about this payout did not read") == true)
        // The platform failed it (the money is back in the wallet) and the channel paid it: paid twice, reported at once.
        #expect(items["failed"]?.classification == .statusDiffers)

        // The next day's run has no row for it (not a candidate that day) and the platform books it the night after:
        // held again, not reported as a payout the platform never booked; the day after, it pairs.
        let heldLate = try #require(items["late"])
        let dayAfter = try #require(ReconDays.adjacent(Self.nextDay, by: 1))
        let next = match(day: Self.nextDay, [], held: [heldLate], known: [platform("late", status: "paidOut", bookedAt: "\(dayAfter) 00:00:10")])
        #expect(next["late"]?.classification == .held && next["late"]?.note == "booked by the platform on \(dayAfter)")
        // Held, and still not booked the next day: compared with the platform's record, a status difference.
        let stuck = match(day: Self.nextDay, [], held: [heldLate], known: [platform("late")])
        #expect(stuck["late"]?.classification == .statusDiffers && stuck["late"]?.note?.contains("held from an earlier run") == true)
    }

    @Test func amountDiffers() {
        let items = Self.run(bill: [Self.bill("a", fen: 99)], booked: [Self.booked("a", fen: 100)])
        #expect(items["a"]?.classification == .amountDiffers)
        #expect(items["a"]?.differenceFen == -1)
    }

    @Test func statusDiffersWhenTheChannelSaysTheMoneyDidNotMove() {
        let items = Self.run(bill: [Self.bill("a", status: "REVOKED")], booked: [Self.booked("a")])
        #expect(items["a"]?.classification == .statusDiffers)
    }

    @Test func statusDiffersWhenThePlatformHasTheOrderUnpaid() {
        let unpaid = PlatformRecord(
            channel: .wechat, kind: .payment, orderID: "a", transactionID: nil, status: "failed", booked: false, amountFen: 100,
            bookedAt: nil)
        let items = Self.run(bill: [Self.bill("a")], booked: [], known: [unpaid])
        #expect(items["a"]?.classification == .statusDiffers)
        #expect(items["a"]?.note?.contains("failed") == true)
    }

    @Test func statusDiffersWhenTransactionIDsDisagree() {
        let items = Self.run(bill: [Self.bill("a", tx: "tx-1")], booked: [Self.booked("a", tx: "tx-2")])
        #expect(items["a"]?.classification == .statusDiffers)
    }

    @Test func pairsByTransactionIDWhenTheNumbersDiffer() {
        let items = Self.run(bill: [Self.bill("channel-no", tx: "tx-9")], booked: [Self.booked("platform-no", tx: "tx-9")])
        #expect(items.count == 1)
        #expect(items["channel-no"]?.classification == .matched)
    }

    @Test func bookingBilledNextDayIsHeldThenMatchedByTheNextRun() {
        let moved = Self.bill("c", at: "\(Self.nextDay) 00:00:01")
        let first = Self.run(bill: [], nextDay: [moved], booked: [Self.booked("c")])
        let held = try! #require(first["c"])
        #expect(held.classification == .held && !held.classification.isDifference)
        let second = Self.run(bill: [moved], nextDay: nil, booked: [], held: [held], day: Self.nextDay)
        #expect(second["c"]?.classification == .matched)
        #expect(second["c"]?.note?.contains("cross-day") == true)
        #expect(second.count == 1)
    }

    @Test func heldBookingStillAloneNextDayIsReported() {
        let first = Self.run(bill: [], nextDay: nil, booked: [Self.booked("c", at: "2026-03-10 23:58:00")])
        let held = try! #require(first["c"])
        #expect(held.classification == .held)
        let second = Self.run(bill: [], nextDay: nil, booked: [], held: [held], day: Self.nextDay)
        #expect(second["c"]?.classification == .platformOnly)
    }

    @Test func bookingFarFromMidnightIsNotHeldWithoutTheNextBill() {
        let items = Self.run(bill: [], nextDay: nil, booked: [Self.booked("c", at: "2026-03-10 12:00:00")])
        #expect(items["c"]?.classification == .platformOnly)
    }

    @Test func billRowBookedByThePlatformNextDayIsHeldThenMatched() {
        let row = Self.bill("d", at: "2026-03-10 23:59:58")
        let late = Self.booked("d", at: "\(Self.nextDay) 00:00:03")
        let first = Self.run(bill: [row], booked: [], known: [late])
        let held = try! #require(first["d"])
        #expect(held.classification == .held && held.bill != nil && held.platform == nil)
        let second = Self.run(bill: [], nextDay: nil, booked: [late], held: [held], day: Self.nextDay)
        #expect(second["d"]?.classification == .matched)
    }

    /// A channel's "no bill" for the next day is explained by the held row of a payment billed before midnight and
    /// booked after it (by key, or under another number by transaction id), and by nothing else: another booking of
    /// that day, or a held booking, says the bill is not made yet.
    @Test func noBillIsExplainedOnlyByRowsTheEarlierRunHeld() {
        let row = Self.bill("d", at: "2026-03-10 23:59:58")
        let heldRow = ReconItem(.held, key: row.key, channel: .wechat, platform: nil, bill: row)
        let late = Self.booked("d", at: "\(Self.nextDay) 00:00:03")
        #expect(ReconMatcher.unexplainedByNoBill(booked: [late], held: [heldRow], channel: .wechat).isEmpty)
        let renumbered = Self.booked("d-other-number", at: "\(Self.nextDay) 00:00:03", tx: "tx-d")
        #expect(ReconMatcher.unexplainedByNoBill(booked: [renumbered], held: [heldRow], channel: .wechat).isEmpty)
        // And it is one payment the "no bill" day then reports nothing about.
        #expect(Self.run(bill: [], nextDay: nil, booked: [renumbered], held: [heldRow], day: Self.nextDay).mapValues(\.classification)
            == ["d": .matched])

        let other = Self.booked("e", at: "\(Self.nextDay) 09:00:00")
        #expect(ReconMatcher.unexplainedByNoBill(booked: [late, other], held: [heldRow], channel: .wechat).map(\.orderID) == ["e"])
        #expect(ReconMatcher.unexplainedByNoBill(booked: [late], held: [], channel: .wechat).map(\.orderID) == ["d"])
        let heldBooking = ReconItem(.held, key: late.key, channel: .wechat, platform: Self.booked("d"), bill: nil)
        #expect(ReconMatcher.unexplainedByNoBill(booked: [late], held: [heldBooking], channel: .wechat).map(\.orderID) == ["d"])
        let alipayRow = ReconItem(.held, key: row.key, channel: .alipay, platform: nil, bill: row)
        #expect(ReconMatcher.unexplainedByNoBill(booked: [late], held: [alipayRow], channel: .wechat).map(\.orderID) == ["d"])
        // A payout (a WeChat transfer) is on no bill file: a day of transfers only, which WeChat has no trade bill for, is
        // not a bill still to come.
        let transfer = PlatformRecord(
            channel: .wechat, kind: .payout, orderID: "w", transactionID: "tb-w", status: "paidOut", booked: true, amountFen: 100,
            bookedAt: "\(Self.nextDay) 09:00:00")
        #expect(ReconMatcher.unexplainedByNoBill(booked: [transfer], held: [], channel: .wechat).isEmpty)
    }

    @Test func heldBillRowStillAloneIsChannelOnly() {
        let row = Self.bill("d", at: "2026-03-10 23:59:58")
        let held = ReconItem(.held, key: row.key, channel: .wechat, platform: nil, bill: row)
        let items = Self.run(bill: [], nextDay: nil, booked: [], held: [held], day: Self.nextDay)
        #expect(items["d"]?.classification == .channelOnly)
    }

    @Test func everyKindAtOnceReportsExactlyThose() {
        let bill = [
            Self.bill("ok"), Self.bill("amount", fen: 99), Self.bill("status", status: "REVOKED"), Self.bill("extra", fen: 777),
        ]
        let booked = ["ok", "amount", "status", "missing", "cross"].map { Self.booked($0) }
        let items = Self.run(bill: bill, nextDay: [Self.bill("cross", at: "\(Self.nextDay) 00:00:01")], booked: booked)
        #expect(items.mapValues(\.classification) == [
            "ok": .matched, "amount": .amountDiffers, "status": .statusDiffers, "extra": .channelOnly, "missing": .platformOnly,
            "cross": .held,
        ])
    }

    @Test func refundsPairByOutRefundNumber() {
        let row = ChannelBillRecord(
            channel: .wechat, kind: .refund, transactionID: "tx-a", outTradeNo: "a", outRefundNo: "r1", status: "SUCCESS",
            succeeded: true, amountFen: 40, billedAt: "2026-03-10 11:00:00")
        let refund = PlatformRecord(
            channel: .wechat, kind: .refund, orderID: "a", refundOrderID: "r1", transactionID: nil, status: "succeeded", booked: true,
            amountFen: 40, bookedAt: "2026-03-10 11:00:02")
        let items = Self.run(bill: [row, Self.bill("a")], booked: [refund, Self.booked("a")])
        #expect(items.count == 2)
        #expect(items["r1"]?.classification == .matched && items["a"]?.classification == .matched)
    }

    @Test func aRerunDiffersOnlyWhereItemsChanged() {
        let before = ReconMatcher.match(
            ReconInput(day: Self.day, channel: .wechat, bill: [Self.bill("a"), Self.bill("b")], nextDayBill: [], booked: [Self.booked("a")],
                held: [], platformByKey: [:]))
        let after = ReconMatcher.match(
            ReconInput(day: Self.day, channel: .wechat, bill: [Self.bill("a")], nextDayBill: [], booked: [Self.booked("a"), Self.booked("c")],
                held: [], platformByKey: [:]))
        #expect(ReconRunDiff.between(previous: before, current: before).isEmpty)
        let changes = ReconRunDiff.between(previous: before, current: after)
        #expect(changes.map(\.key.number) == ["b", "c"])
        #expect(changes[0].before == .channelOnly && changes[0].after == nil)
        #expect(changes[1].before == nil && changes[1].after == .platformOnly)
    }
}
