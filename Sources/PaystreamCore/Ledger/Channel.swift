/// A payment channel: the outside world money enters and leaves through.
///
/// Guarantees: the raw value is the channel's stable name in JSON, in account strings (`clearing:wechat`)
/// and in idempotency keys (`notify:wechat:<transaction id>`).
public enum Channel: String, Sendable, Codable, CaseIterable {
    case wechat
    case alipay
    case bill99
}
