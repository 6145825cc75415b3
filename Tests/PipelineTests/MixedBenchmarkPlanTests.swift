import Testing

@testable import PaystreamRuntime

/// How `paystream-bench mixed` hands cold grabs to grabbers: the shape of the load it puts on the system.
@Suite("Mixed benchmark's cold grabs")
struct MixedBenchmarkPlanTests {
    @Test(arguments: [1, 7, 199, 200, 201, 800, 12_000, 60_000, 60_001, 123_457])
    func noGrabberMeetsAnEnvelopeTwiceAndNoEnvelopeRunsOutOfShares(grabs: Int) {
        let (grabbers, envelopes) = MixedBenchmark.coldPools(grabs: grabs)
        var pairs = Set<Int>()
        var perEnvelope = [Int](repeating: 0, count: envelopes)
        for n in 0..<grabs {
            let pick = MixedBenchmark.coldGrab(n, grabbers: grabbers, envelopes: envelopes)
            #expect((0..<grabbers).contains(pick.grabber) && (0..<envelopes).contains(pick.envelope))
            #expect(pairs.insert(pick.grabber * envelopes + pick.envelope).inserted, "grab \(n): grabber \(pick.grabber) meets envelope \(pick.envelope) again")
            perEnvelope[pick.envelope] += 1
        }
        #expect(perEnvelope.max()! <= 200, "an envelope has 200 shares")
        #expect(grabbers <= 200)
    }

    /// Each grabber's grabs are the pool's size apart, not in a row: at 200 cold grabs a second, one grab a second
    /// per grabber (in a row, one grabber made 300 grabs in 1.5 s and waited on its one-time tokens).
    @Test func aGrabbersGrabsAreSpreadOverTheRun() {
        let (grabbers, envelopes) = MixedBenchmark.coldPools(grabs: 60_000)
        var last = [Int: Int]()
        var closest = Int.max
        for n in 0..<60_000 {
            let grabber = MixedBenchmark.coldGrab(n, grabbers: grabbers, envelopes: envelopes).grabber
            if let previous = last[grabber] { closest = min(closest, n - previous) }
            last[grabber] = n
        }
        #expect(grabbers == 200 && envelopes == 300)
        #expect(closest == grabbers)
    }
}
