import EventBus
import Foundation
import Logging
import Postgres
import Synchronization

/// The gray rule's versions in PostgreSQL (`gray_rules`, append-only: every change is a new version with who
/// made it and why).
public struct GrayRuleStore: Sendable {
    public let postgres: PostgresClient

    public init(postgres: PostgresClient) { self.postgres = postgres }

    /// The highest version, or ``GrayRule/off`` when none was ever stored.
    public func current() async throws -> GrayRule {
        let rows = try await postgres.query(
            "SELECT version, users, merchants, basis_points FROM gray_rules ORDER BY version DESC LIMIT 1")
        guard let row = rows.first else { return .off }
        return GrayRule(
            users: Set(try row.decode([String].self, column: "users")), merchants: Set(try row.decode([String].self, column: "merchants")),
            basisPoints: Int(try row.decode(Int32.self, column: "basis_points")), version: try row.decode(Int64.self, column: "version"))
    }

    /// Stores `rule` as the next version; returns it with its version. Two operators at once: one of them gets a
    /// unique-key error and tries again on the new current version.
    @discardableResult
    public func store(_ rule: GrayRule, by operatorName: String, reason: String) async throws -> GrayRule {
        let rows = try await postgres.query(
            """
            INSERT INTO gray_rules (version, users, merchants, basis_points, changed_by, reason)
            SELECT coalesce(max(version), 0) + 1, \(rule.users.sorted()), \(rule.merchants.sorted()), \(Int32(rule.basisPoints)),
                   \(operatorName), \(reason)
            FROM gray_rules
            RETURNING version
            """)
        var stored = rule
        stored.version = try rows.first?.decode(Int64.self, column: "version") ?? 0
        return stored
    }
}

/// The current gray rule as a process sees it: read from PostgreSQL every `interval` by ``run()``, read without
/// waiting by ``rule``. A failed refresh keeps the last rule and logs; a process that never read one routes
/// everything to the main fleet.
public final class GrayRuleCache: Sendable {
    private let store: GrayRuleStore
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(GrayRule.off)

    public init(store: GrayRuleStore, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public var rule: GrayRule { state.withLock { $0 } }

    /// Reads the current rule now.
    public func refresh() async {
        do {
            let fresh = try await store.current()
            let old = state.withLock { s -> GrayRule in
                let old = s
                s = fresh
                return old
            }
            if old.version != fresh.version {
                logger.notice("gray rule now in force", metadata: [
                    "version": "\(fresh.version)", "users": "\(fresh.users.count)", "merchants": "\(fresh.merchants.count)",
                    "basisPoints": "\(fresh.basisPoints)",
                ])
            }
        } catch {
            logger.warning("gray rule refresh failed; keeping the last one", metadata: ["error": "\(error)"])
        }
    }

    /// Refreshes every `interval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await refresh()
            try? await Task.sleep(for: interval)
        }
    }
}
