import Foundation

/// One concrete window of a counter, as the decision script needs it.
enum WindowInstance: Sendable, Hashable {
    /// A calendar day or hour: the counter key is named by `label` (the window's start in the rules' time zone)
    /// and expires `ttlSeconds` after the decision: at the window's end plus ``RiskWindow/expiryMarginSeconds``.
    /// The expiry is relative (EXPIRE, not EXPIREAT) so that it is measured on the engine's clock, like the
    /// window itself, and not on the Redis server's.
    case fixed(label: String, ttlSeconds: Int64)
    /// A rolling window: events at or before `cutoffMilliseconds` no longer count; keys live `ttlMilliseconds`
    /// after the last write.
    case rolling(label: String, cutoffMilliseconds: Int64, ttlMilliseconds: Int64)

    var label: String {
        switch self {
        case .fixed(let label, _), .rolling(let label, _, _): return label
        }
    }

    /// Seconds until the counter keys may expire.
    var secondsToLive: Int64 {
        switch self {
        case .fixed(_, let ttl): return ttl
        case .rolling(_, _, let ttl): return ttl / 1000 + 1
        }
    }
}

extension RiskWindow {
    /// Counter keys outlive their window by this much, so a decision at the very end of a window still finds
    /// its counter and a late `release` can still undo it.
    static let expiryMarginSeconds: Int64 = 3_600

    /// The window of this kind containing `date`, with calendar windows computed in `timeZone`.
    ///
    /// Guarantees: two moments of the same calendar day (hour) in `timeZone` get the same label and two of
    /// different days get different labels; the label is the window start's local date (`d20240501`,
    /// `h2024050113`); a rolling window's label names its length (`r600`) since its events carry their times.
    func instance(containing date: Date, in timeZone: TimeZone) -> WindowInstance {
        switch self {
        case .day, .hour:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let unit: Calendar.Component = self == .day ? .day : .hour
            // dateInterval(of:for:) only fails for dates outside the calendar's range; the fallback (a UTC
            // slot of the same length) keeps the guarantee of one label per window for such dates too.
            let length: Double = self == .day ? 86_400 : 3_600
            let interval =
                calendar.dateInterval(of: unit, for: date)
                ?? DateInterval(
                    start: Date(timeIntervalSince1970: (date.timeIntervalSince1970 / length).rounded(.down) * length),
                    duration: length)
            let parts = calendar.dateComponents([.year, .month, .day, .hour], from: interval.start)
            var label = (self == .day ? "d" : "h") + pad(parts.year ?? 0, 4) + pad(parts.month ?? 0, 2)
                + pad(parts.day ?? 0, 2)
            if self == .hour { label += pad(parts.hour ?? 0, 2) }
            let remaining = Int64(interval.end.timeIntervalSince(date).rounded(.up))
            return .fixed(label: label, ttlSeconds: max(remaining, 1) + RiskWindow.expiryMarginSeconds)
        case .rolling(let seconds):
            let now = date.unixMilliseconds
            return .rolling(
                label: "r\(seconds)", cutoffMilliseconds: now - seconds * 1000,
                ttlMilliseconds: (seconds + RiskWindow.expiryMarginSeconds) * 1000)
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

extension Date {
    /// Whole milliseconds since 1970 (time only; never used for money).
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
