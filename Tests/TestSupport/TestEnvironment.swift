import Foundation

/// Where the tests find the real services and the shared test vectors.
///
/// deploy/local/test starts PostgreSQL, Redis and the embedded broker on test ports and exports their
/// addresses; running `swift test` by hand works after `source deploy/local/run-test/env`.
/// A missing variable is a configuration error and fails the test with a message saying what to run;
/// tests never skip silently.
public enum TestEnvironment {
    public struct MissingVariable: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "\(name) is not set: run the tests through deploy/local/test, or `source deploy/local/run-test/env` first"
        }
    }

    public static func require(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingVariable(name: name)
        }
        return value
    }

    public static func postgresURL() throws -> String { try require("PAYSTREAM_PG_URL") }
    public static func redisURL() throws -> String { try require("PAYSTREAM_REDIS_URL") }
    public static func kafkaBootstrap() throws -> String { try require("PAYSTREAM_KAFKA_BOOTSTRAP") }

    /// True in the run where the broker fault suites (`*BrokerFaultTests`) run alone. Those tests take brokers
    /// down and inject request errors into the whole shared embedded cluster, so beside other Kafka tests they
    /// would break them (an injected Fetch error makes another consumer re-read its partition from the start).
    /// deploy/local/test runs them in a separate, serial `swift test` with PAYSTREAM_BROKER_FAULT_TESTS=alone.
    public static var brokerFaultTestsRunAlone: Bool {
        ProcessInfo.processInfo.environment["PAYSTREAM_BROKER_FAULT_TESTS"] == "alone"
    }

    /// The repository's root, found from this file's location.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// ../shared/vectors beside the repository (PAYSTREAM_VECTORS_DIR overrides it).
    public static var vectorsDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["PAYSTREAM_VECTORS_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }

    /// Reads and parses one JSON vector file from the shared vectors directory.
    public static func vector(_ fileName: String) throws -> [String: Any] {
        let data = try Data(contentsOf: vectorsDirectory.appendingPathComponent(fileName))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return object
    }

    /// A name no other test or run uses, for topics, consumer groups, schemas and keys.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt64(Date().timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))"
    }
}
