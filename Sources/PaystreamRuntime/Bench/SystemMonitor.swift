import BlockingIO
import EventBus
import Foundation
import Kafka
import Synchronization

/// Samples the running system while a benchmark drives it: CPU and resident memory of each program of the stack
/// (from /proc) and every consumer group's lag on the declared topics (from the broker), every `interval`
/// seconds. Keeps the whole timeline for the summary and the JSON file.
final class SystemMonitor: Sendable {
    struct Point: Sendable {
        /// Seconds since the monitor started.
        let t: Double
        let usage: [String: ProcessSampler.Usage]
        /// Consumer group → messages not yet committed, summed over its topics.
        let lag: [String: Int64]
    }

    static let stackPrograms: Set<String> = [
        "paystream-api", "paystream-worker", "paystream-scheduler", "paystream-sim", "paystream-broker", "paystream-bench",
        "postgres", "redis-server",
    ]

    private let sampler = ProcessSampler(programs: SystemMonitor.stackPrograms)
    /// /proc is read with blocking calls: on a thread of its own, not on the cooperative pool.
    private let blocking = BlockingExecutor(label: "paystream.bench.monitor")
    private let probes: [(group: String, topics: [String], probe: ConsumerGroupLagProbe)]
    private let points = Mutex<[Point]>([])
    private let missingTopics = Mutex<Set<String>>([])
    let started = Date()

    /// One lag probe per consumer group of `registry` (gray twins included: a topic that does not exist is left out).
    init(registry: TopicRegistry, kafka: KafkaConfiguration) throws {
        let byGroup = Dictionary(grouping: registry.declarations, by: \.consumerGroup)
        probes = try byGroup.keys.sorted().map { group in
            (group: group, topics: byGroup[group]!.map(\.name).sorted(), probe: try ConsumerGroupLagProbe(configuration: kafka, group: group))
        }
    }

    var timeline: [Point] { points.withLock { $0 } }

    /// Samples until cancelled, calling `report` with each new point.
    func run(interval: Double, report: (Point) -> Void) async {
        let sampler = self.sampler
        guard var previous = try? await blocking.run({ sampler.read() }) else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            guard let reading = try? await blocking.run({ sampler.read() }) else { return }
            let usage = sampler.usage(from: previous, to: reading)
            previous = reading
            var lag: [String: Int64] = [:]
            groups: for (group, topics, probe) in probes {
                var total: Int64 = 0, consumed = false
                for topic in topics where !missingTopics.withLock({ $0.contains(topic) }) {
                    do {
                        let topicLag = try await probe.lag(topic: topic, timeoutMilliseconds: 2_000)
                        total += topicLag.total
                        consumed = consumed || !topicLag.committedPartitions.isEmpty
                    } catch let error as KafkaError where KafkaTopicReader.isUnknownTopic(error) {
                        _ = missingTopics.withLock { $0.insert(topic) }
                    } catch {
                        // A slow answer under load: this point has no figure for the group rather than a wrong one.
                        continue groups
                    }
                }
                // A group that never committed has no consumer in this stack (a gray twin's canary group when no
                // canary runs; the push relay reads notifications in groups of its own): its "lag" is meaningless.
                if consumed { lag[group] = total }
            }
            let point = Point(t: Date().timeIntervalSince(started), usage: usage, lag: lag)
            points.withLock { $0.append(point) }
            report(point)
        }
    }

    func close() async {
        for (_, _, probe) in probes { await probe.close() }
    }

    // MARK: summary

    struct ProgramSummary: Sendable {
        let program: String
        let processes: Int
        let meanCores: Double
        let maxCores: Double
        let residentStartMB: Double
        let residentMaxMB: Double
        let residentEndMB: Double
        /// MB per minute over the second half of the window (after warm-up): a leak shows as a steady positive trend.
        let residentTrendMBPerMinute: Double
    }

    /// Per program over the points with `from <= t <= to`.
    func programs(from: Double, to: Double) -> [ProgramSummary] {
        let window = timeline.filter { $0.t >= from && $0.t <= to }
        let names = Set(window.flatMap(\.usage.keys)).sorted()
        return names.compactMap { name in
            let series = window.compactMap { p in p.usage[name].map { (t: p.t, usage: $0) } }
            guard let first = series.first, let last = series.last else { return nil }
            let mb = series.map { Double($0.usage.residentBytes) / 1_048_576 }
            let secondHalf = series.filter { $0.t >= (first.t + last.t) / 2 }
            return ProgramSummary(
                program: name, processes: series.map(\.usage.processes).max() ?? 0,
                meanCores: series.map(\.usage.cores).reduce(0, +) / Double(series.count), maxCores: series.map(\.usage.cores).max() ?? 0,
                residentStartMB: mb.first ?? 0, residentMaxMB: mb.max() ?? 0, residentEndMB: mb.last ?? 0,
                residentTrendMBPerMinute: leastSquaresSlope(secondHalf.map { ($0.t, Double($0.usage.residentBytes) / 1_048_576) }) * 60)
        }
    }

    struct LagSummary: Sendable {
        let group: String
        let max: Int64
        let mean: Double
        let atEnd: Int64
    }

    func lag(from: Double, to: Double) -> [LagSummary] {
        let window = timeline.filter { $0.t >= from && $0.t <= to }
        let groups = Set(window.flatMap(\.lag.keys)).sorted()
        return groups.map { group in
            let values = window.compactMap { $0.lag[group] }
            return LagSummary(
                group: group, max: values.max() ?? 0, mean: values.isEmpty ? .nan : Double(values.reduce(0, +)) / Double(values.count),
                atEnd: values.last ?? 0)
        }
    }
}
