import Foundation
import Kafka
import Postgres
import Redis

/// What `/readyz` asks: each dependency of a process answers a trivial request within a bound. Ready means
/// PostgreSQL ran `SELECT 1`, Redis answered `PING` and the Kafka cluster answered a metadata request; the
/// answer names what did not (`postgres: …`, `redis: …`, `kafka: …`). The checks run concurrently and each
/// is bounded, so a hung dependency makes `/readyz` slow by at most ``timeout``, never stuck.
public struct DependencyProbe: Sendable {
    public var postgres: PostgresClient?
    public var redis: RedisClient?
    public var kafka: KafkaAdmin?
    public static let timeout: Duration = .seconds(2)

    public init(postgres: PostgresClient? = nil, redis: RedisClient? = nil, kafka: KafkaAdmin? = nil) {
        self.postgres = postgres
        self.redis = redis
        self.kafka = kafka
    }

    /// nil when every dependency answered; otherwise what failed, one clause per dependency.
    public func check() async -> String? {
        let postgres = self.postgres, redis = self.redis, kafka = self.kafka
        let problems = await withTaskGroup(of: String?.self) { group in
            if let postgres {
                group.addTask { await Self.bounded("postgres") { _ = try await postgres.query("SELECT 1 AS ok") } }
            }
            if let redis {
                group.addTask {
                    await Self.bounded("redis") {
                        let reply = try await redis.send(["PING"])
                        guard case .status("PONG") = reply else { throw ProbeFailure(description: "PING answered \(reply)") }
                    }
                }
            }
            if let kafka {
                group.addTask { await Self.bounded("kafka") { _ = try await kafka.listTopics(timeoutMilliseconds: 2_000) } }
            }
            return await group.reduce(into: [String]()) { if let problem = $1 { $0.append(problem) } }
        }
        return problems.isEmpty ? nil : problems.sorted().joined(separator: "; ")
    }

    private static func bounded(_ name: String, _ body: @escaping @Sendable () async throws -> Void) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do { try await body(); return nil } catch { return "\(name): \(error)" }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return "\(name): no answer within \(timeout)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

struct ProbeFailure: Error, CustomStringConvertible { let description: String }
