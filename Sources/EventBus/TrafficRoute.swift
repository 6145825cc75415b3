/// Which worker group applies a message: the main fleet, or the canary group of a gray release.
///
/// The route is a property of the order, decided once when the order is created (by ``GrayRule``) and written
/// into its id — the order number's "gene" — so that every later step of the order (payment callback, approval,
/// refund, a worker's follow-up) takes the same route without a lookup, wherever it is produced, and a user moved
/// in or out of gray changes only orders created afterwards. Two routes never apply the same order, so the
/// order's own messages stay in order; both routes write the same ledger with the same idempotency keys.
///
/// The gene: an order number is `KK` (kind) + 14-digit time stamp + 10 random characters from an alphabet
/// without `0`, `1`, `I` and `O`. A gray order's number has `1` right after the time stamp, where a main order's
/// never can. Derived keys (`grab:<id>`, `<id>:in`) carry the gene with the id they contain. Keys that are not
/// Paystream order numbers (another producer's) are main traffic.
public enum TrafficRoute: String, Sendable, CaseIterable {
    case main
    case gray

    /// Appended to a family's topics and consumer group for its gray twin.
    public static let grayTopicSuffix = ".gray"
    /// The gene character of a gray order number, right after the time stamp.
    public static let grayGene: Character = "1"

    /// The route of the order a message key names.
    public static func of(orderKey key: String) -> TrafficRoute {
        let bytes = Array(key.utf8)
        // Find `[A-Z]{2}[0-9]{14}` and look at the next byte.
        var i = 0
        while i + 17 <= bytes.count {
            if isUpper(bytes[i]), isUpper(bytes[i + 1]), (i == 0 || !isAlphanumeric(bytes[i - 1])),
               bytes[(i + 2)..<(i + 16)].allSatisfy(isDigit)
            {
                return bytes[i + 16] == UInt8(ascii: "1") ? .gray : .main
            }
            i += 1
        }
        return .main
    }

    private static func isUpper(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    private static func isAlphanumeric(_ b: UInt8) -> Bool { isUpper(b) || isDigit(b) || (0x61...0x7A).contains(b) }
}
