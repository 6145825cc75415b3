import Testing

@testable import PaystreamAPI

/// The removed-destination sweep leaves a row whose rejection failed out of its rounds for a while, longer after each
/// failure, so that rows failing for ever cannot fill every batch (`CardFlowTests` sees it through the API).
@Suite struct SweepPutOffTests {
    @Test func aFailedRowIsLeftOutLongerAfterEachFailureAndForgottenOnceRejected() {
        let putOff = RemovedDestinationSweep.PutOff()
        let start = ContinuousClock.now
        #expect(putOff.waiting(now: start).isEmpty)

        putOff.note("W1", now: start)
        #expect(putOff.waiting(now: start) == ["W1"])
        #expect(putOff.waiting(now: start + .milliseconds(1_999)) == ["W1"])
        #expect(putOff.waiting(now: start + .seconds(2)).isEmpty, "2 s after the first failure")

        // The delays double: 4, 8, 16, 32, then 60 s at most.
        var failedAt = start + .seconds(2)
        for expected in [4, 8, 16, 32, 60, 60] {
            putOff.note("W1", now: failedAt)
            #expect(putOff.waiting(now: failedAt + .seconds(expected) - .milliseconds(1)) == ["W1"], "\(expected) s")
            #expect(putOff.waiting(now: failedAt + .seconds(expected)).isEmpty, "\(expected) s")
            failedAt = failedAt + .seconds(expected)
        }

        // Another row is put off on its own count; a rejected row is forgotten at once.
        putOff.note("W2", now: failedAt)
        putOff.note("W1", now: failedAt)
        #expect(Set(putOff.waiting(now: failedAt + .seconds(1))) == ["W1", "W2"])
        putOff.forget("W1")
        #expect(putOff.waiting(now: failedAt + .seconds(1)) == ["W2"])
        putOff.note("W1", now: failedAt + .seconds(1))
        #expect(putOff.waiting(now: failedAt + .milliseconds(2_500)) == ["W1"], "W2's 2 s are over, W1's are not")
        #expect(putOff.waiting(now: failedAt + .seconds(3)).isEmpty, "W1 started again at 2 s")
    }

    @Test func rowsLongPastTheirTimeAreForgottenSoTheMapStaysSmall() {
        let putOff = RemovedDestinationSweep.PutOff()
        let start = ContinuousClock.now
        for n in 0..<5 { putOff.note("old\(n)", now: start) }
        for _ in 0..<3 { putOff.note("kept", now: start) }
        #expect(putOff.count == 6)
        // Ten minutes after their time (2 s for the old ones, 8 s for "kept"), the next note drops them; "kept" then
        // counts its failures from 1 again.
        let later = start + .seconds(8 + 600 + 1)
        putOff.note("kept", now: later)
        #expect(putOff.waiting(now: later) == ["kept"])
        #expect(putOff.waiting(now: later + .seconds(2)).isEmpty, "its count started again: 2 s, not 16 s")
        #expect(putOff.count == 1)
    }
}
