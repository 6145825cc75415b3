import Foundation
import Testing

@testable import PaystreamRuntime

/// The instruments of `paystream-bench`: its latency histogram and its reading of /proc.
@Suite("Benchmark instruments")
struct BenchInstrumentsTests {
    @Test func everyBucketMapsBackToItselfAndBucketsTileTheRange() {
        var previousTop: UInt64?
        for index in 0...LatencyHistogram.index(of: LatencyHistogram.highestTrackable) {
            let low = LatencyHistogram.lowestEquivalent(ofIndex: index), high = LatencyHistogram.highestEquivalent(ofIndex: index)
            #expect(LatencyHistogram.index(of: low) == index)
            #expect(LatencyHistogram.index(of: high) == index)
            if let previousTop { #expect(low == previousTop + 1, "a gap or overlap before bucket \(index)") }
            previousTop = high
            // Three significant digits: a bucket is at most 1/1024 of its values wide.
            #expect(Double(high - low) <= Double(low) / 1024 + 0.5)
        }
    }

    @Test func percentilesAgreeWithTheExactOnesToAThousandth() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let count = Int.random(in: 1...5_000, using: &generator)
            // Log-uniform from 1 µs to 100 s: every scale of the histogram is exercised.
            let values = (0..<count).map { _ in UInt64(exp(Double.random(in: 0...log(1e8), using: &generator))) }
            var histogram = LatencyHistogram()
            for v in values { histogram.record(microseconds: v) }
            let sorted = values.sorted()
            #expect(histogram.totalCount == UInt64(count))
            #expect(histogram.maxMilliseconds == Double(sorted.last!) / 1000)
            for p in [0.0, 1, 25, 50, 90, 99, 99.9, 100] {
                let exact = Double(sorted[max(1, Int((p / 100 * Double(count)).rounded(.up))) - 1]) / 1000
                let read = histogram.value(atPercentile: p)
                // Never below the exact value, and above it by at most the bucket's width.
                #expect(read >= exact && read <= exact * (1 + 1.0 / 1024) + 0.001, "p\(p) of \(count): \(read) against \(exact)")
            }
        }
    }

    @Test func mergingIsRecordingBoth() {
        var a = LatencyHistogram(), b = LatencyHistogram(), both = LatencyHistogram()
        for v in [3.2, 7.9, 1_250.0, 0.4] { a.record(milliseconds: v); both.record(milliseconds: v) }
        for v in [12.0, 99.5, 4_000_000.0] { b.record(milliseconds: v); both.record(milliseconds: v) }
        a.merge(b)
        #expect(a == both)
        #expect(a.totalCount == 7)
        // Beyond an hour: counted in the last bucket, the true maximum kept.
        #expect(a.maxMilliseconds == 4_000_000)
        #expect(LatencyHistogram().value(atPercentile: 50).isNaN)
    }

    @Test func theWatermarkIsTheHighestIdBelowWhichEveryIdWasSeen() {
        var ids = EntryIDWatermark()
        for id: Int64 in [3, 1, 5] { ids.insert(id) }
        #expect(ids.watermark == 1, "2 is missing")
        ids.insert(2)
        #expect(ids.watermark == 3, "4 is missing")
        ids.insert(4)
        #expect(ids.watermark == 5)
        ids.insert(2)
        #expect(ids.watermark == 5, "an id seen again changes nothing")
        var shuffled = EntryIDWatermark()
        for id in (1...1_000).shuffled() { shuffled.insert(Int64(id)) }
        #expect(shuffled.watermark == 1_000)
    }

    @Test func statLinesAreReadAfterTheCommandNamesLastParenthesis() {
        // Field 2 may hold spaces and parentheses; utime and stime are fields 14 and 15.
        let line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 137 29 0 0 20 0 3 0 1000 12345678 300 18446744073709551615"
        #expect(ProcessSampler.cpuTicks(stat: line) == 166)
        #expect(ProcessSampler.cpuTicks(stat: "4242 (truncated") == nil)
    }

    @Test func thisProcessIsFoundWithItsCPUAndMemory() throws {
        let me = getpid()
        let program = try #require(ProcessSampler.program(pid: me))
        let sampler = ProcessSampler(programs: [program])
        let before = sampler.read()
        // Burn some CPU: ticks are 10 ms, so half a second of work moves them whatever else runs.
        let until = Date().addingTimeInterval(0.5)
        var x: UInt64 = 1
        while Date() < until { x = x &* 6364136223846793005 &+ 1442695040888963407 }
        #expect(x != 0)
        let after = sampler.read()
        let usage = try #require(sampler.usage(from: before, to: after)[program])
        #expect(after.ticks[program]?[me] != nil)
        #expect(usage.cores > 0)
        #expect(usage.residentBytes > 10 * 1_048_576)
        #expect(leastSquaresSlope([(0, 1), (1, 3), (2, 5)]) == 2)
        #expect(leastSquaresSlope([(0, 1)]).isNaN)
    }
}
