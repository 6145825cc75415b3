import Kafka

/// What `topics apply` found or did for one topic.
public struct TopicApplyResult: Sendable, Equatable, CustomStringConvertible {
    public enum Status: Sendable, Equatable {
        case created
        case upToDate
        /// Exists with other settings than declared; Kafka cannot shrink partitions, so an operator decides.
        case drift(String)
        case failed(String)
    }
    public let topic: String
    public let status: Status

    public var description: String {
        switch status {
        case .created: "\(topic): created"
        case .upToDate: "\(topic): up to date"
        case .drift(let why): "\(topic): DRIFT \(why)"
        case .failed(let why): "\(topic): FAILED \(why)"
        }
    }
}

/// Makes a cluster hold every topic of a registry: creates the missing ones, reports the ones that differ.
public struct TopicReconciler: Sendable {
    public let registry: TopicRegistry

    public init(registry: TopicRegistry) { self.registry = registry }

    /// Compares declared topics with the cluster's; pure, for tests and `topics list`.
    public func plan(existing: [TopicMetadata]) -> (missing: [TopicSpec], results: [TopicApplyResult]) {
        let byName = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var missing: [TopicSpec] = []
        var results: [TopicApplyResult] = []
        for spec in registry.allTopics {
            guard let found = byName[spec.name] else {
                missing.append(spec)
                continue
            }
            if found.partitionCount != spec.partitions {
                results.append(.init(topic: spec.name, status: .drift("partitions \(found.partitionCount), declared \(spec.partitions)")))
            } else {
                results.append(.init(topic: spec.name, status: .upToDate))
            }
        }
        return (missing, results)
    }

    public func apply(using admin: KafkaAdmin) async throws -> [TopicApplyResult] {
        let existing = try await admin.listTopics()
        var (missing, results) = plan(existing: existing)
        if !missing.isEmpty {
            let outcomes = try await admin.createTopics(missing)
            for spec in missing {
                switch outcomes[spec.name] {
                case .created?: results.append(.init(topic: spec.name, status: .created))
                case .alreadyExists?: results.append(.init(topic: spec.name, status: .upToDate))
                case .failed(let why)?: results.append(.init(topic: spec.name, status: .failed(why)))
                case nil: results.append(.init(topic: spec.name, status: .failed("no answer from the cluster")))
                }
            }
        }
        return results.sorted { $0.topic < $1.topic }
    }
}
