import Hummingbird

/// W3C trace context (`traceparent`), passed through: a request that brings a well-formed `traceparent` has it
/// put, unchanged, on every Kafka message published while the request is handled (and stored with a payment
/// order, so the channel's later notify carries the order's trace onward). The workers copy it to the
/// follow-up events they write, retries and dead letters keep it. Paystream does not start traces itself.
enum TraceContext {
    /// The traceparent of the request being handled, if it brought one.
    @TaskLocal static var traceparent: String?

    /// The request's `traceparent` when it is well formed (version 00: `00-<32 hex>-<16 hex>-<2 hex>`, later
    /// versions: at least that prefix; ids not all zeros, lower-case hex), else nil — a malformed one is
    /// ignored, as the W3C recommendation says, never an error.
    static func traceparent(of request: Request) -> String? {
        guard let value = request.header("traceparent") else { return nil }
        return isWellFormed(value) ? value : nil
    }

    static func isWellFormed(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 55, bytes.count <= 512 else { return false }
        func hex(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } }
        func zeros(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == 0x30 } }
        guard hex(0..<2), bytes[2] == 0x2D, hex(3..<35), bytes[35] == 0x2D, hex(36..<52), bytes[52] == 0x2D, hex(53..<55),
            !zeros(3..<35), !zeros(36..<52)
        else { return false }
        let version = String(decoding: bytes[0..<2], as: UTF8.self)
        if version == "ff" { return false }
        return version == "00" ? bytes.count == 55 : (bytes.count == 55 || bytes[55] == 0x2D)
    }
}
