/// Everything one day's external reconciliation of one channel looks at.
public struct ReconInput: Sendable {
    /// The bill day, `yyyy-MM-dd` (Asia/Shanghai).
    public var day: String
    public var channel: Channel
    /// The rows of the day's bill.
    public var bill: [ChannelBillRecord]
    /// The rows of the next day's bill, when the channel already serves it (nil when it does not yet).
    public var nextDayBill: [ChannelBillRecord]?
    /// What the platform booked on `day` (records with `booked == true` whose `day` is `day`; others are ignored).
    public var booked: [PlatformRecord]
    /// Items the previous day's run held.
    public var held: [ReconItem]
    /// The platform's record, whatever its day or status, of every key on the day's bill it knows.
    public var platformByKey: [ReconKey: PlatformRecord]
    /// A booking this close (seconds) to the end of `day` that is not on the day's bill, when the next day's bill
    /// is not available yet, is held for the next run rather than reported.
    public var crossDayWindowSeconds: Int

    public init(
        day: String, channel: Channel, bill: [ChannelBillRecord], nextDayBill: [ChannelBillRecord]?, booked: [PlatformRecord],
        held: [ReconItem], platformByKey: [ReconKey: PlatformRecord], crossDayWindowSeconds: Int = 600
    ) {
        self.day = day
        self.channel = channel
        self.bill = bill
        self.nextDayBill = nextDayBill
        self.booked = booked
        self.held = held
        self.platformByKey = platformByKey
        self.crossDayWindowSeconds = crossDayWindowSeconds
    }
}

/// Matches a day's bill with the platform's bookings and classifies every key (pure: no I/O, no clock).
///
/// Guarantees:
/// - every key on the day's bill, every booking of the day and every held item gets exactly one item, sorted
///   by key; the same input always gives the same items; a key's second and later rows on the bill are
///   `channelOnly` items of their own, keyed `<key>#dup<n>`, so that no two items of a run share a key;
/// - records pair by ``ReconKey`` (out trade number, or out refund number); a bill row whose key the platform
///   does not have pairs with a lone booking of the same transaction id;
/// - a cross-day timing difference is `held`, never reported: a booking that the next day's bill has (or, while
///   that bill is not out, one booked within `crossDayWindowSeconds` of midnight), and a bill row the platform
///   booked on a later day. A held item that finds no partner in the next day's run is reported there as
///   `platformOnly` or `channelOnly`.
public enum ReconMatcher {
    public static func match(_ input: ReconInput) -> [ReconItem] {
        var platform: [ReconKey: (record: PlatformRecord, wasHeld: Bool)] = [:]
        var bill: [ReconKey: (record: ChannelBillRecord, wasHeld: Bool)] = [:]
        var items: [ReconItem] = []
        for record in input.booked where record.booked && record.day == input.day && record.channel == input.channel {
            platform[record.key] = (record, false)
        }
        var repeats: [ReconKey: Int] = [:]
        for row in input.bill where row.channel == input.channel {
            if bill[row.key] != nil {
                // A row the bill has twice (a payment charged twice?) is a difference of its own, under a key of its own
                // (`payment:<number>#dup2` for the second row), so that it is stored, shown and resolved apart from the
                // first row's item. `#` is in no channel's numbers.
                let n = repeats[row.key, default: 1] + 1
                repeats[row.key] = n
                items.append(
                    ReconItem(
                        .channelOnly, key: ReconKey(kind: row.key.kind, number: "\(row.key.number)#dup\(n)"), channel: input.channel,
                        platform: nil, bill: row, note: "duplicate bill row: row \(n) for \(row.key)"))
            } else {
                bill[row.key] = (row, false)
            }
        }
        for item in input.held where item.channel == input.channel {
            if let record = item.platform, platform[item.key] == nil { platform[item.key] = (record, true) }
            if let row = item.bill, bill[item.key] == nil { bill[item.key] = (row, true) }
        }
        pairByTransactionID(&platform, &bill)
        let nextDayKeys = input.nextDayBill.map { Set($0.filter { $0.channel == input.channel }.map(\.key)) }

        for key in Set(platform.keys).union(bill.keys).sorted() {
            switch (platform[key], bill[key]) {
            case let (p?, b?):
                items.append(compare(p.record, b.record, key: key, channel: input.channel))
            case let (p?, nil):
                items.append(platformAlone(p.record, wasHeld: p.wasHeld, key: key, input: input, nextDayKeys: nextDayKeys))
            case let (nil, b?):
                items.append(billAlone(b.record, wasHeld: b.wasHeld, key: key, input: input))
            case (nil, nil):
                continue
            }
        }
        return items.sorted { ($0.key, $0.classification.rawValue) < ($1.key, $1.classification.rawValue) }
    }

    /// The bookings of a day a channel's "no bill for this day" does not explain. A booking is explained when the
    /// earlier run holds its bill row (billed the day before, booked after midnight: it pairs with the held row as
    /// ``match(_:)`` pairs them, by key or by transaction id). A payout is explained too: no bill file lists payouts
    /// (they are asked about one by one). Any other booking says the channel has not made the day's bill yet, or has
    /// lost a payment.
    public static func unexplainedByNoBill(booked: [PlatformRecord], held: [ReconItem], channel: Channel) -> [PlatformRecord] {
        let heldRows = held.compactMap { $0.channel == channel && $0.platform == nil ? $0.bill : nil }
        let keys = Set(heldRows.map(\.key))
        let transactions = Set(heldRows.map { "\($0.key.kind):\($0.transactionID)" })
        return booked.filter { record in
            guard record.booked, record.channel == channel, record.kind != .payout, !keys.contains(record.key) else { return false }
            guard let id = record.transactionID, !id.isEmpty else { return true }
            return !transactions.contains("\(record.key.kind):\(id)")
        }
    }

    /// A lone bill row and a lone booking with the same transaction id are the same payment under two numbers:
    /// the booking is re-keyed to the bill's key so they pair.
    private static func pairByTransactionID(
        _ platform: inout [ReconKey: (record: PlatformRecord, wasHeld: Bool)],
        _ bill: inout [ReconKey: (record: ChannelBillRecord, wasHeld: Bool)]
    ) {
        var loneByTransaction: [String: ReconKey] = [:]
        for (key, entry) in platform where bill[key] == nil {
            if let id = entry.record.transactionID, !id.isEmpty { loneByTransaction["\(key.kind):\(id)"] = key }
        }
        for (key, entry) in bill.sorted(by: { $0.key < $1.key }) where platform[key] == nil {
            guard let platformKey = loneByTransaction.removeValue(forKey: "\(key.kind):\(entry.record.transactionID)") else { continue }
            platform[key] = platform.removeValue(forKey: platformKey)
        }
    }

    /// The status of a payout row whose channel answer did not read (the row carries no amount and no transaction id).
    public static let unansweredStatus = "unanswered"
    /// The platform's status of a withdrawal sent to its channel and not settled yet.
    static let payoutInFlightStatus = OrderStatus.approved.rawValue

    static func compare(_ p: PlatformRecord, _ b: ChannelBillRecord, key: ReconKey, channel: Channel, note: String? = nil) -> ReconItem {
        if b.kind == .payout, b.status.hasPrefix(unansweredStatus) {
            return ReconItem(
                .statusDiffers, key: key, channel: channel, platform: p, bill: b,
                note: "the channel's answer about this payout did not read (\(b.status)); the platform order is \(p.status)")
        }
        var notes: [String] = note.map { [$0] } ?? []
        if let booked = p.day, booked != b.day { notes.append("cross-day: billed \(b.day), booked \(booked)") }
        let classification: ReconClassification
        if b.succeeded != p.booked {
            classification = .statusDiffers
            notes.append("channel says \(b.status), platform order is \(p.status)")
        } else if let id = p.transactionID, !id.isEmpty, id != b.transactionID {
            classification = .statusDiffers
            notes.append("transaction id \(b.transactionID) on the bill, \(id) on the platform")
        } else if b.amountFen != p.amountFen {
            classification = .amountDiffers
        } else {
            classification = .matched
        }
        return ReconItem(
            classification, key: key, channel: channel, platform: p, bill: b, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    private static func platformAlone(
        _ p: PlatformRecord, wasHeld: Bool, key: ReconKey, input: ReconInput, nextDayKeys: Set<ReconKey>?
    ) -> ReconItem {
        if wasHeld {
            return ReconItem(
                .platformOnly, key: key, channel: input.channel, platform: p, bill: nil,
                note: "held from \(p.day ?? "?"): not on the next day's bill either")
        }
        if let nextDayKeys {
            if nextDayKeys.contains(key) {
                return ReconItem(.held, key: key, channel: input.channel, platform: p, bill: nil, note: "on the next day's bill")
            }
        } else if let bookedAt = p.bookedAt, secondsBeforeMidnight(bookedAt) <= input.crossDayWindowSeconds {
            return ReconItem(
                .held, key: key, channel: input.channel, platform: p, bill: nil,
                note: "booked near midnight; the next day's bill is not out yet")
        }
        return ReconItem(.platformOnly, key: key, channel: input.channel, platform: p, bill: nil)
    }

    private static func billAlone(_ b: ChannelBillRecord, wasHeld: Bool, key: ReconKey, input: ReconInput) -> ReconItem {
        if wasHeld, b.kind == .payout, let known = input.platformByKey[key] {
            // A payout row held for its booking: held again while the booking is on a later day still (a payout the
            // channel made at 00:05 and the platform booked the night after), else compared with the platform's record.
            if known.booked, let bookedDay = known.day, bookedDay > input.day {
                return ReconItem(
                    .held, key: key, channel: input.channel, platform: nil, bill: b, note: "booked by the platform on \(bookedDay)")
            }
            return compare(known, b, key: key, channel: input.channel, note: "held from an earlier run")
        }
        if wasHeld {
            return ReconItem(
                .channelOnly, key: key, channel: input.channel, platform: nil, bill: b,
                note: "held from \(b.day): the platform did not book it the next day either")
        }
        guard let known = input.platformByKey[key] else {
            return ReconItem(.channelOnly, key: key, channel: input.channel, platform: nil, bill: b)
        }
        if known.booked, let bookedDay = known.day, bookedDay > input.day {
            return ReconItem(
                .held, key: key, channel: input.channel, platform: nil, bill: b, note: "booked by the platform on \(bookedDay)")
        }
        if b.kind == .payout, b.succeeded, !known.booked, known.status == Self.payoutInFlightStatus, b.day > input.day {
            // Paid out by the channel after the day while the platform's payout is still in flight (the run came before
            // the platform heard of it): the next day's run pairs it with its booking, or reports it. A payout the platform
            // failed (its money given back) is a difference at once: paid twice.
            return ReconItem(
                .held, key: key, channel: input.channel, platform: nil, bill: b,
                note: "paid out by the channel on \(b.day); the platform has not booked it yet")
        }
        return compare(known, b, key: key, channel: input.channel)
    }

    /// Seconds from `yyyy-MM-dd HH:mm:ss` to the following midnight (86,400 when unreadable, so never "near").
    static func secondsBeforeMidnight(_ time: String) -> Int {
        let parts = time.split(separator: " ")
        guard parts.count == 2 else { return 86_400 }
        let clock = parts[1].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return 86_400 }
        return 86_400 - (clock[0] * 3600 + clock[1] * 60 + clock[2])
    }
}
