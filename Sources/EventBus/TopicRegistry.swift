import Foundation
import Kafka

/// The topics of `topics/`, read and validated: the single source of truth for what exists on a cluster.
/// `paystream topics apply` creates ``allTopics`` on any cluster; the embedded broker creates them at start;
/// producers and workers look names up here instead of spelling them.
public struct TopicRegistry: Sendable {
    public struct InvalidDeclaration: Error, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "topics/\(file): \(reason)" }
    }

    /// The declared families and the gray twins of those declared with `gray: true`.
    public let declarations: [TopicDeclaration]

    public init(declarations: [TopicDeclaration]) throws {
        let named = Set(declarations.map(\.name))
        let declarations = declarations + declarations.compactMap(\.grayTwin).filter { !named.contains($0.name) }
        var seen: Set<String> = []
        for d in declarations {
            let file = d.name
            guard d.partitions > 0 else { throw InvalidDeclaration(file: file, reason: "partitions must be > 0") }
            guard d.replicationFactor > 0 else {
                throw InvalidDeclaration(file: file, reason: "replicationFactor must be > 0")
            }
            guard d.schema.version > 0 else { throw InvalidDeclaration(file: file, reason: "schema version must be > 0") }
            guard !d.consumerGroup.isEmpty, !d.key.field.isEmpty else {
                throw InvalidDeclaration(file: file, reason: "consumerGroup and key.field are required")
            }
            guard (d.retry?.delaysMs ?? []).allSatisfy({ $0 > 0 }) else {
                throw InvalidDeclaration(file: file, reason: "retry delays must be > 0 ms")
            }
            // A dead letter may be a payment nobody has credited yet: Kafka must keep it until an operator replays or
            // drops it (money.md rules 6 and 7), however long that takes.
            guard d.deadLetter == nil || d.deadLetter?.retentionMs == "-1" else {
                throw InvalidDeclaration(
                    file: file, reason: "deadLetter.retentionMs must be \"-1\": a dead letter is kept until it is replayed or dropped")
            }
            for name in [d.name] + d.retryTopics.map(\.name) + [d.deadLetterTopic].compactMap({ $0 }) {
                guard Self.isValidTopicName(name) else { throw InvalidDeclaration(file: file, reason: "invalid topic name \(name)") }
                guard seen.insert(name).inserted else { throw InvalidDeclaration(file: file, reason: "topic \(name) declared twice") }
            }
        }
        self.declarations = declarations.sorted { $0.name < $1.name }
    }

    /// Reads every `*.json` file of `directory`.
    public static func load(directory: String) throws -> TopicRegistry {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".json") }.sorted()
        guard !files.isEmpty else {
            throw InvalidDeclaration(file: directory, reason: "no topic declarations (*.json) found")
        }
        let decoder = JSONDecoder()
        let declarations = try files.map { file -> TopicDeclaration in
            do {
                return try decoder.decode(TopicDeclaration.self, from: Data(contentsOf: url.appendingPathComponent(file)))
            } catch {
                throw InvalidDeclaration(file: file, reason: "\(error)")
            }
        }
        return try TopicRegistry(declarations: declarations)
    }

    /// Every concrete topic: main, retry and dead-letter topics of every family.
    public var allTopics: [TopicSpec] {
        declarations.flatMap { d -> [TopicSpec] in
            var specs = [TopicSpec(name: d.name, partitions: d.partitions, replicationFactor: d.replicationFactor, config: d.config)]
            for retry in d.retryTopics {
                specs.append(TopicSpec(name: retry.name, partitions: d.partitions, replicationFactor: d.replicationFactor, config: d.config))
            }
            if let dlq = d.deadLetterTopic, let deadLetter = d.deadLetter {
                var config = d.config
                config["retention.ms"] = deadLetter.retentionMs
                specs.append(TopicSpec(name: dlq, partitions: d.partitions, replicationFactor: d.replicationFactor, config: config))
            }
            return specs
        }
    }

    /// The declared families without the gray twins: what a main worker consumes.
    public var mainFamilies: [TopicDeclaration] { declarations.filter { !$0.isGrayTwin } }

    /// Every concrete topic of the main families, and of the gray twins when `grayTwins` is true.
    public func topics(grayTwins: Bool) -> [TopicSpec] {
        if grayTwins { return allTopics }
        return (try? TopicRegistry(declarations: mainFamilies.map { var d = $0; d.gray = nil; return d }).allTopics) ?? []
    }

    public func declaration(named name: String) -> TopicDeclaration? {
        declarations.first { $0.name == name }
    }

    /// The declared family a follow-up names: the exact name, else the family with the same name after
    /// its first component (`paystream.notifications.outbound` is `<prefix>.notifications.outbound` in a
    /// registry declared under another prefix, as test and benchmark runs do).
    public func resolve(family name: String) -> TopicDeclaration? {
        if let exact = declaration(named: name) { return exact }
        guard let dot = name.firstIndex(of: ".") else { return nil }
        let stem = name[dot...]
        return declarations.first { $0.name.hasSuffix(stem) }
    }

    /// The topic a message of `family` takes on `route`: the family's own, or its gray twin's for gray traffic
    /// of a family that has one (a family without a twin carries its gray traffic too).
    public func topic(family name: String, route: TrafficRoute) -> String? {
        guard let family = resolve(family: name) else { return nil }
        if route == .gray, family.gray == true { return family.name + TrafficRoute.grayTopicSuffix }
        return family.name
    }

    /// Kafka's rule: 1 to 249 characters of [a-zA-Z0-9._-].
    static func isValidTopicName(_ name: String) -> Bool {
        !name.isEmpty && name.count < 250 && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }
    }
}
