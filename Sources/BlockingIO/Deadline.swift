#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on the monotonic clock, for bounding loops that call blocking C functions with a timeout.
public struct Deadline: Sendable, Comparable {
    /// Nanoseconds on CLOCK_MONOTONIC.
    public let uptimeNanoseconds: UInt64

    public static func now() -> Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(uptimeNanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    public static func after(milliseconds: Int) -> Deadline {
        Deadline(uptimeNanoseconds: now().uptimeNanoseconds + UInt64(max(0, milliseconds)) * 1_000_000)
    }

    /// Milliseconds left until the deadline, rounded up: waiting that long reaches it. 0 only once it has
    /// passed, so a loop that waits `remainingMilliseconds` until `hasPassed` never spins through its last
    /// millisecond with zero-length waits.
    public var remainingMilliseconds: Int { remainingMilliseconds(at: .now()) }

    /// Milliseconds left at `now`, rounded up; 0 once the deadline is reached.
    public func remainingMilliseconds(at now: Deadline) -> Int {
        guard uptimeNanoseconds > now.uptimeNanoseconds else { return 0 }
        return Int((uptimeNanoseconds - now.uptimeNanoseconds + 999_999) / 1_000_000)
    }

    public var hasPassed: Bool { Deadline.now() >= self }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.uptimeNanoseconds < rhs.uptimeNanoseconds }
}
