import ArgumentParser
import EventBus
import Kafka
import Logging

/// `paystream topics list|apply`: compares `topics/` with a cluster and creates what is missing.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "The topics declared in topics/ and their state on the cluster.",
        subcommands: [List.self, Apply.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every declared topic and whether the cluster has it.")
        @OptionGroup var runtime: RuntimeOptions

        func run() async throws {
            let (configuration, registry, existing) = try await withRegistryAndAdmin(runtime) { _, admin in
                try await admin.listTopics()
            }
            let onCluster = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            print(pad("TOPIC", 48) + pad("PARTITIONS", 12) + pad("REPLICAS", 10) + "STATE")
            var missing = 0
            for spec in registry.allTopics {
                let found = onCluster[spec.name]
                let state: String
                switch found {
                case nil: state = "MISSING"; missing += 1
                case let f? where f.partitionCount != spec.partitions: state = "DRIFT (cluster has \(f.partitionCount))"
                default: state = "ok"
                }
                print(pad(spec.name, 48) + pad("\(spec.partitions)", 12) + pad("\(found?.replicationFactor ?? spec.replicationFactor)", 10) + state)
            }
            print("\(registry.allTopics.count) topics declared in \(registry.declarations.count) files; \(missing) missing on \(configuration.kafkaBootstrapServers)")
            if missing > 0 { throw ExitCode(1) }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create every declared topic the cluster lacks.")
        @OptionGroup var runtime: RuntimeOptions

        func run() async throws {
            let (_, _, results) = try await withRegistryAndAdmin(runtime) { registry, admin in
                try await TopicReconciler(registry: registry).apply(using: admin)
            }
            results.forEach { print($0) }
            let failed = results.filter { if case .failed = $0.status { true } else { false } }
            if !failed.isEmpty {
                print("\(failed.count) topic(s) could not be created (the embedded broker cannot create topics over the protocol; it creates topics/ at start)")
                throw ExitCode(1)
            }
        }
    }
}

/// Resolves the configuration, loads topics/, and runs `body` with an admin client that is always closed.
private func withRegistryAndAdmin<T>(
    _ runtime: RuntimeOptions, _ body: (TopicRegistry, KafkaAdmin) async throws -> T
) async throws -> (PaystreamConfiguration, TopicRegistry, T) {
    let configuration = try runtime.resolve()
    Observability.bootstrap(configuration)
    let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
    let admin = try KafkaAdmin(configuration: configuration.kafka(clientID: "paystream-topics"))
    do {
        let result = try await body(registry, admin)
        await admin.close()
        return (configuration, registry, result)
    } catch {
        await admin.close()
        throw error
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
