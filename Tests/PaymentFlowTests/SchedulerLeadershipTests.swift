import Foundation
import Logging
import PaystreamRuntime
import Postgres
import TestSupport
import Testing

/// One active paystream-scheduler among several, elected through a PostgreSQL advisory lock.
@Suite("Scheduler leadership")
struct SchedulerLeadershipTests {
    @Test func oneLeaderAtATimeAndAStandbyTakesOverWhenTheSessionDies() async throws {
        let database = try await PostgresTestDatabase.create()
        let pg = try PostgresConfiguration(url: database.url)
        let lock = TestEnvironment.uniqueName("lock")
        let a = AdvisoryLockLeader(name: lock, configuration: pg, logger: Logger(label: "test.leader.a"))
        let b = AdvisoryLockLeader(name: lock, configuration: pg, logger: Logger(label: "test.leader.b"))
        #expect(await a.refresh())
        #expect(await b.refresh() == false)
        #expect(await a.refresh(), "the leader keeps the lock while its session lives")
        #expect(await b.refresh() == false)

        // The leader's session is terminated behind its back: the lock is free, the standby takes it, and the
        // old leader learns it lost at its next check instead of believing it still leads.
        let pid = try #require(await a.sessionBackendPID())
        _ = try await database.client.query("SELECT pg_terminate_backend(\(pid))")
        #expect(await eventually(timeoutSeconds: 10) { await b.refresh() })
        #expect(await a.refresh() == false)
        #expect(await a.isLeader == false)

        // Resigning hands over at once.
        await b.resign()
        #expect(await a.refresh())
        await a.resign()
        await database.close()
    }

    /// Advisory locks held by schedulers' leader sessions in this database (the worker's outbox relay holds one
    /// of its own).
    static let advisoryLocksHere = """
        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'paystream-scheduler leader-lock'
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """

    static func jobRuns(_ scheduler: ManagedProcess) -> Int {
        scheduler.log.split(separator: "\n").filter { $0.hasSuffix("job run") }.count
    }

    @Test func twoSchedulerProcessesRunTheJobsOnceAndTheStandbyTakesOverAfterAKill() async throws {
        try await FlowHarness.run { h in
            let fast = ["--expiry-interval-seconds", "0.3", "--grab-redrive-interval-seconds", "0.3", "--leader-check-seconds", "0.3"]
            let first = try h.startScheduler(fast, name: "scheduler1")
            let led = await eventually(timeoutSeconds: 60) { first.log.contains("leadership acquired") }
            #expect(led, "first scheduler:\n\(first.tail())")
            let second = try h.startScheduler(fast, name: "scheduler2")
            let standing = await eventually(timeoutSeconds: 60) { second.log.contains("standing by") }
            #expect(standing, "second scheduler:\n\(second.tail())")
            try await Task.sleep(nanoseconds: 2_000_000_000)
            // The leader ran its jobs many times; the standby not once.
            #expect(Self.jobRuns(first) >= 4, "first scheduler:\n\(first.tail())")
            #expect(Self.jobRuns(second) == 0, "second scheduler:\n\(second.tail())")
            #expect(try await h.count(Self.advisoryLocksHere) == 1)

            // The leader dies without a word: PostgreSQL ends its session, the standby takes over and works.
            await first.kill9()
            let tookOver = await eventually(timeoutSeconds: 30) { second.log.contains("leadership acquired") && Self.jobRuns(second) > 0 }
            #expect(tookOver, "second scheduler:\n\(second.tail())")
            // A graceful stop gives the lock back.
            #expect(await second.terminate() == 0)
            #expect(second.log.contains("leadership resigned"))
            #expect(try await h.count(Self.advisoryLocksHere) == 0)
        }
    }
}
