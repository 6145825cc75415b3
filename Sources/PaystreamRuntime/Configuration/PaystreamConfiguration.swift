import Foundation
import Kafka
import Logging

/// Everything a Paystream process needs to find its services, in one type.
///
/// Sources, later ones winning: built-in defaults (which match deploy/local/up), a JSON file (`--config`
/// or PAYSTREAM_CONFIG), environment variables (PAYSTREAM_*), then command-line flags.
public struct PaystreamConfiguration: Sendable, Codable, Equatable {
    public var kafkaBootstrapServers = "127.0.0.1:9092"
    /// Raw librdkafka properties for every client (SASL/TLS for a real cluster, tuning).
    public var kafkaProperties: [String: String] = [:]
    /// Consumers' `fetch.wait.max.ms` (``KafkaConfiguration/fetchWaitMaxMilliseconds``); nil keeps librdkafka's
    /// 500 ms, right for a real cluster. The embedded broker needs a short one (deploy/local sets 100).
    public var kafkaFetchWaitMaxMs: Int?
    public var postgresURL = "postgres://paystream@127.0.0.1:55432/paystream"
    public var postgresPoolSize = 8
    public var redisURL = "redis://127.0.0.1:56379/0"
    public var redisPoolSize = 8
    /// Where the topic declarations live.
    public var topicsDirectory = "topics"
    /// The host of the operations endpoint (/metrics, /healthz, /readyz).
    public var opsHost = "127.0.0.1"
    /// Its port; 0 turns the endpoint off.
    public var opsPort = 0
    public var logLevel = "info"
    /// `json` (one object a line, for machines) or `text`.
    public var logFormat = "json"

    public init() {}

    /// The environment variable that overrides each setting.
    static var environmentKeys: [(String, WritableKeyPath<PaystreamConfiguration, String>)] {[
        ("PAYSTREAM_KAFKA_BOOTSTRAP", \.kafkaBootstrapServers),
        ("PAYSTREAM_PG_URL", \.postgresURL),
        ("PAYSTREAM_REDIS_URL", \.redisURL),
        ("PAYSTREAM_TOPICS_DIR", \.topicsDirectory),
        ("PAYSTREAM_OPS_HOST", \.opsHost),
        ("PAYSTREAM_LOG_LEVEL", \.logLevel),
        ("PAYSTREAM_LOG_FORMAT", \.logFormat),
    ]}

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads defaults, then the file, then the environment. Flags are applied by the caller.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> PaystreamConfiguration
    {
        var configuration = PaystreamConfiguration()
        if let path = file ?? environment["PAYSTREAM_CONFIG"] {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                configuration = try JSONDecoder().decode(PaystreamConfiguration.self, from: data)
            } catch {
                throw Invalid(description: "configuration file \(path): \(error)")
            }
        }
        for (name, keyPath) in environmentKeys {
            if let value = environment[name], !value.isEmpty { configuration[keyPath: keyPath] = value }
        }
        if let value = environment["PAYSTREAM_OPS_PORT"] {
            guard let port = Int(value), (0...65535).contains(port) else {
                throw Invalid(description: "PAYSTREAM_OPS_PORT=\(value) is not a port")
            }
            configuration.opsPort = port
        }
        if let value = environment["PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS"], !value.isEmpty {
            guard let milliseconds = Int(value) else {
                throw Invalid(description: "PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS=\(value) is not a number of milliseconds")
            }
            configuration.kafkaFetchWaitMaxMs = milliseconds
        }
        if let value = environment["PAYSTREAM_KAFKA_PROPERTIES"] {
            configuration.kafkaProperties.merge(try parseProperties(value)) { _, new in new }
        }
        try configuration.validate()
        return configuration
    }

    /// `k=v,k=v` (values may not contain commas; use the file for those).
    static func parseProperties(_ text: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw Invalid(description: "PAYSTREAM_KAFKA_PROPERTIES: '\(pair)' is not key=value")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }

    public func validate() throws {
        guard !kafkaBootstrapServers.isEmpty else { throw Invalid(description: "Kafka bootstrap servers are empty") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw Invalid(description: "log level \(logLevel) is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["json", "text"].contains(logFormat) else { throw Invalid(description: "log format must be json or text") }
        guard postgresPoolSize > 0, redisPoolSize > 0 else { throw Invalid(description: "pool sizes must be > 0") }
        guard (0...65535).contains(opsPort) else { throw Invalid(description: "opsPort \(opsPort) is not a port") }
        if let wait = kafkaFetchWaitMaxMs, !(1...300_000).contains(wait) {
            throw Invalid(description: "kafkaFetchWaitMaxMs \(wait) is not 1...300000 milliseconds")
        }
        if kafkaFetchWaitMaxMs != nil, kafkaProperties["fetch.wait.max.ms"] != nil {
            throw Invalid(description: "fetch.wait.max.ms is set twice: as kafkaFetchWaitMaxMs and in kafkaProperties")
        }
        for name in kafkaProperties.keys.sorted() {
            if let reason = KafkaConfiguration.protectedProperties[name] {
                throw Invalid(description: "kafkaProperties may not set \(name): \(reason)")
            }
        }
    }

    /// The Kafka client settings every producer, consumer and admin of this process uses.
    public func kafka(clientID: String) -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: kafkaBootstrapServers, clientID: clientID, properties: kafkaProperties,
            fetchWaitMaxMilliseconds: kafkaFetchWaitMaxMs)
    }
}
