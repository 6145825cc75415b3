import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// One active process among several: leadership is a PostgreSQL session-level advisory lock, held on a
/// connection of its own for as long as that connection lives.
///
/// - ``refresh()`` keeps or takes the lock: while leading it proves the session is still alive (a session-level
///   lock is never released behind its holder's back, so a live session still holds it); when the session is
///   gone (the server restarted, the network dropped it, an administrator terminated it) leadership is lost,
///   and the next refresh tries to take it again on a new connection.
/// - When the leader process dies, its connection closes and PostgreSQL releases the lock at once: a standby
///   takes over at its next refresh. A leader cut off from the database without its socket closing keeps the
///   lock until the server notices (TCP keepalive), which delays the takeover but never makes two leaders.
///
/// Leadership is an efficiency, not a safety property: the scheduler's jobs are idempotent and safe to run
/// concurrently, so a job run that started just before leadership was lost does no harm.
public actor AdvisoryLockLeader {
    /// The name hashed to the lock key (`hashtextextended(name, 0)`): every process contending uses the same.
    public nonisolated let name: String
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: PostgresConnection?
    public private(set) var isLeader = false

    public init(name: String, configuration: PostgresConfiguration, logger: Logger) {
        self.name = name
        var configuration = configuration
        configuration.applicationName += " leader-lock"
        self.configuration = configuration
        self.logger = logger
    }

    /// Keeps or takes leadership; returns whether this process leads now.
    @discardableResult
    public func refresh() async -> Bool {
        if isLeader, let connection {
            if (try? await connection.query("SELECT 1")) != nil { return true }
            logger.warning("leadership lost: the session holding the lock is gone", metadata: ["lock": "\(name)"])
            await drop()
        }
        do {
            let connection: PostgresConnection
            if let open = self.connection {
                connection = open
            } else {
                connection = try await PostgresConnection.connect(configuration: configuration, logger: logger)
                self.connection = connection
            }
            let rows = try await connection.query("SELECT pg_try_advisory_lock(hashtextextended(\(name), 0)) AS taken")
            let taken = try rows.first?.decode(Bool.self, column: "taken") ?? false
            if taken {
                isLeader = true
                let pid = (try? await connection.backendPID()) ?? 0
                logger.notice("leadership acquired", metadata: ["lock": "\(name)", "backendPID": "\(pid)"])
            }
        } catch {
            logger.warning("leadership check failed; retrying", metadata: ["lock": "\(name)", "error": "\(error)"])
            await drop()
        }
        return isLeader
    }

    /// Gives leadership up (on shutdown), so a standby takes over without waiting for the connection to close.
    public func resign() async {
        if isLeader, let connection {
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(name), 0))")
            logger.notice("leadership resigned", metadata: ["lock": "\(name)"])
        }
        await drop()
    }

    /// The server process holding the lock's session, while leading (for tests and diagnostics).
    public func sessionBackendPID() async -> Int32? {
        guard isLeader, let connection else { return nil }
        return try? await connection.backendPID()
    }

    private func drop() async {
        isLeader = false
        await connection?.close()
        connection = nil
    }
}

/// Refreshes an ``AdvisoryLockLeader`` every `interval` until graceful shutdown, then resigns.
public struct LeadershipService: Service {
    public let leader: AdvisoryLockLeader
    public let interval: Duration
    private let logger: Logger

    public init(leader: AdvisoryLockLeader, interval: Duration, logger: Logger) {
        self.leader = leader
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var announcedStandby = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let leading = await leader.refresh()
            if !leading && !announcedStandby {
                logger.notice("standing by: another process holds the lock", metadata: ["lock": "\(leader.name)"])
            }
            announcedStandby = !leading
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        await leader.resign()
    }
}
