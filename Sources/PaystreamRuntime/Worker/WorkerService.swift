import EventBus
import Kafka
import Logging
import Postgres
import ServiceLifecycle

/// The worker process: one consumer per topic family (and one per family's retry topics), the outbox
/// relay and the outbox's watch (``OutboxWatch``), all stopping gracefully on SIGTERM after finishing and committing the batch in hand.
public struct WorkerService: Service {
    let settings: WorkerSettings
    let registry: TopicRegistry
    let configuration: PaystreamConfiguration
    let postgres: PostgresClient
    let producer: KafkaProducer
    let logger: Logger

    public init(
        settings: WorkerSettings, registry: TopicRegistry, configuration: PaystreamConfiguration, postgres: PostgresClient,
        producer: KafkaProducer, logger: Logger
    ) {
        self.settings = settings
        self.registry = registry
        self.configuration = configuration
        self.postgres = postgres
        self.producer = producer
        self.logger = logger
    }

    public func run() async throws {
        let registry = self.registry
        let families = try settings.families.map { name -> TopicDeclaration in
            guard let family = registry.declaration(named: name) else {
                throw PaystreamConfiguration.Invalid(description: "topic family \(name) is not declared in \(configuration.topicsDirectory)")
            }
            return family
        }
        let processor = BatchProcessor(
            postgres: postgres, producer: producer, routes: TopicRoute.table(registry), settings: settings, logger: logger)
        let kafka = configuration.kafka(clientID: "paystream-worker")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for family in families {
                for retryTier in settings.consumeRetryTopics ? [false, true] : [false] {
                    var logger = self.logger
                    logger[metadataKey: "family"] = "\(family.name)\(retryTier ? " (retries)" : "")"
                    let consumer = FamilyConsumer(
                        family: family, retryTier: retryTier, kafka: kafka, processor: processor, settings: settings, logger: logger)
                    group.addTask { try await consumer.run() }
                }
            }
            if settings.runOutboxRelay {
                let relay = OutboxRelay(
                    postgres: postgres, producer: producer, logger: logger,
                    resolveTopic: { family, key in registry.topic(family: family, route: TrafficRoute.of(orderKey: key)) ?? family })
                group.addTask { try await relay.run() }
            }
            if let interval = settings.outboxWatchInterval {
                let watch = OutboxWatch(postgres: postgres, logger: logger, interval: interval, staleAfterSeconds: settings.outboxStaleAfterSeconds)
                group.addTask { await watch.run() }
            }
            try await group.waitForAll()
        }
        await producer.shutdown()
        await postgres.shutdown()
    }
}
