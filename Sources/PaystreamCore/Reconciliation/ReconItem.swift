/// How one key of a day's reconciliation came out.
///
/// Guarantees: raw values are stable (they are stored with every item); ``isDifference`` is true for the four
/// kinds an operator must look at, false for `matched` and for `held` (a cross-day timing difference that the
/// next day's run settles).
public enum ReconClassification: String, Sendable, Codable, CaseIterable {
    /// Both sides agree on status and amount.
    case matched
    /// The platform booked it; the channel's bill does not have it.
    case platformOnly
    /// The channel's bill has it; the platform never booked it (and knows no such order, or not as paid).
    case channelOnly
    /// Both have it, with different amounts.
    case amountDiffers
    /// Both have it, but one says the money moved and the other does not (or the transaction ids differ).
    case statusDiffers
    /// Only one side has it today, and the other side is expected to have it on the adjacent day: carried to
    /// the next day's run instead of being reported.
    case held

    public var isDifference: Bool {
        switch self {
        case .matched, .held: false
        case .platformOnly, .channelOnly, .amountDiffers, .statusDiffers: true
        }
    }
}

/// One key of one run: the classification and both sides as they were seen.
///
/// Guarantees: a `matched`, `amountDiffers` or `statusDiffers` item has both sides, unless the platform knew the
/// order without booking it (then `platform.booked == false`); `platformOnly` has only `platform`; `channelOnly`
/// only `bill`; `held` exactly one of them (the side that is waiting for the other).
public struct ReconItem: Sendable, Hashable, Codable {
    public var classification: ReconClassification
    public var key: ReconKey
    public var channel: Channel
    public var platform: PlatformRecord?
    public var bill: ChannelBillRecord?
    /// Why, in words: a cross-day booking, a held item that stayed alone, and so on.
    public var note: String?

    public init(
        _ classification: ReconClassification, key: ReconKey, channel: Channel, platform: PlatformRecord?,
        bill: ChannelBillRecord?, note: String? = nil
    ) {
        self.classification = classification
        self.key = key
        self.channel = channel
        self.platform = platform
        self.bill = bill
        self.note = note
    }

    /// Channel amount minus platform amount, in fen, when both sides have one.
    public var differenceFen: Int64? {
        guard let platform, let bill else { return nil }
        return bill.amountFen - platform.amountFen
    }
}

extension ReconKey: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let colon = text.firstIndex(of: ":"), let kind = ReconRecordKind(rawValue: String(text[..<colon])) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text) is not kind:number"))
        }
        self.init(kind: kind, number: String(text[text.index(after: colon)...]))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
