@testable import BlockingIO
import Testing

/// `Deadline` bounds the loops that call blocking C functions with a timeout (the Kafka consumer's poll, libpq's
/// socket wait): the time it reports left must never be 0 before the deadline, or such a loop spins.
@Suite struct DeadlineTests {
    private let deadline = Deadline(uptimeNanoseconds: 10_000_000_000)

    private func at(_ nanoseconds: UInt64) -> Deadline { Deadline(uptimeNanoseconds: nanoseconds) }

    @Test func aFractionOfAMillisecondLeftIsOneMillisecond() {
        #expect(deadline.remainingMilliseconds(at: at(10_000_000_000 - 1)) == 1)
        #expect(deadline.remainingMilliseconds(at: at(10_000_000_000 - 300_000)) == 1)
        #expect(deadline.remainingMilliseconds(at: at(10_000_000_000 - 999_999)) == 1)
    }

    @Test func wholeMillisecondsAreExactAndPartsRoundUp() {
        #expect(deadline.remainingMilliseconds(at: at(10_000_000_000 - 1_000_000)) == 1)
        #expect(deadline.remainingMilliseconds(at: at(10_000_000_000 - 1_000_001)) == 2)
        #expect(deadline.remainingMilliseconds(at: at(9_980_000_000)) == 20)
    }

    @Test func nothingIsLeftAtOrAfterTheDeadline() {
        #expect(deadline.remainingMilliseconds(at: deadline) == 0)
        #expect(deadline.remainingMilliseconds(at: at(10_000_000_001)) == 0)
        #expect(deadline.remainingMilliseconds(at: at(20_000_000_000)) == 0)
    }

    @Test func theLiveClockAgreesWithTheArithmetic() {
        let soon = Deadline.after(milliseconds: 60_000)
        #expect((59_000...60_000).contains(soon.remainingMilliseconds))
        #expect(!soon.hasPassed)
        let passed = Deadline.after(milliseconds: 0)
        #expect(passed.remainingMilliseconds == 0 && passed.hasPassed)
    }
}
