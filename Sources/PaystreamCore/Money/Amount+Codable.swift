/// JSON form of ``Amount``: a bare integer number of fen, e.g. `1234` for 12.34 yuan.
///
/// Decoding asks the decoder for an `Int64` and then refuses negatives, so a non-integer, a string, a
/// negative number or a number beyond `Int64` never becomes an `Amount`.
///
/// How float tokens are refused: ``StrictJSONDecoder`` (and ``MoneyEvent/decode(_:)``) keep every JSON number
/// as its raw token and produce an `Int64` only from a token matching `-?(0|[1-9][0-9]*)`; `12.5`, `1e3`,
/// `12.0` and `"12"` therefore all fail. Foundation's `JSONDecoder` converts exactly-integral float tokens
/// (`1e3`, `12.0`) to integers before any `Decodable` sees them, and cannot be told not to: it still refuses
/// `12.5`, negatives and overflow, but JSON money from outside the process must be decoded with
/// ``StrictJSONDecoder`` so that a producer sending yuan as `12.0` is refused rather than read as 12 fen.
extension Amount: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let fen = try container.decode(Int64.self)
        guard fen >= 0 else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "amount.negative: amount \(fen) fen is negative")
        }
        self.init(uncheckedFen: fen)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fen)
    }
}
