import ArgumentParser
import Foundation
import LedgerStore
import Logging
import PaystreamRuntime
import Postgres
import ServiceLifecycle

/// `paystream-scheduler`: the periodic jobs. Envelope compensation: expired envelopes refunded (every 10 min
/// by default), grabs without their transfer re-driven (every 30 min), over the last 30 days; every run
/// recorded in `compensation_runs`. Several schedulers may run at once for availability: one leads (a
/// PostgreSQL advisory lock, ``AdvisoryLockLeader``) and runs the jobs, the others stand by and take over
/// within `--leader-check-seconds` of the leader's death. Each job is also safe to run concurrently, so a
/// moment of overlap at a handover does no harm. `--once` runs the jobs by hand, leader or not.
/// Reconciliation (``ReconScheduleOptions``): the previous day's bills at 02:00 Asia/Shanghai, the ledger's
/// invariants every hour. Retention (``Retention``, hourly): sent outbox rows after 7 days and API idempotency
/// keys after 48 hours are removed; the ledger's own rows are never.
public struct SchedulerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-scheduler",
        abstract: "Run Paystream's periodic jobs: envelope expiry refunds, grab compensation, reconciliation.")

    @OptionGroup public var options: ServiceOptions
    @Option(help: "Seconds between envelope expiry runs.") public var expiryIntervalSeconds = 600.0
    @Option(help: "Seconds between grab compensation runs.") public var grabRedriveIntervalSeconds = 1800.0
    @Option(help: "Days of envelopes scanned.") public var windowDays = 30
    @Option(help: "A grab pending in Redis this many seconds is re-driven.") public var grabGraceSeconds = 30.0
    @Option(help: "Envelopes the grab compensation reads at a time (one Redis round trip each page).")
    public var grabRedrivePage = 500
    @Option(help: "Due envelopes the expiry reads at a time (a run reads page after page until none is left).")
    public var expiryPage = 500
    @Option(help: "Seconds after its expiry before an envelope is expired (grabs in flight land first).") public var expiryGraceSeconds = 5
    @Option(help: "Where the rest of a channel-paid expired envelope goes: channel (its refund API) or wallet.")
    public var envelopeRefundTo = "channel"
    @Option(help: "Seconds between leadership checks (a standby takes over within this of the leader's death).")
    public var leaderCheckSeconds = 5.0
    @Option(help: "The advisory lock's name; schedulers with the same name and database elect one leader.")
    public var leaderLock = "paystream-scheduler"
    @OptionGroup public var recon: ReconScheduleOptions
    @Option(help: "Seconds between retention runs (sent outbox rows and old API idempotency keys removed).")
    public var retentionIntervalSeconds = 3600.0
    @Option(help: "Hours a sent outbox row is kept.") public var outboxRetentionHours = 7 * 24
    @Option(help: "Hours an API idempotency key is kept (more than its 24-hour life).") public var apiIdempotencyRetentionHours = 48
    @Flag(help: "Run each job once and exit (no leader election).") public var once = false

    public init() {}

    public func run() async throws {
        let logger = Logger(label: "paystream.scheduler")
        guard ["channel", "wallet"].contains(envelopeRefundTo) else { throw ValidationError("--envelope-refund-to is channel or wallet") }
        guard (1...10_000).contains(grabRedrivePage) else { throw ValidationError("--grab-redrive-page is 1...10000") }
        guard (1...10_000).contains(expiryPage) else { throw ValidationError("--expiry-page is 1...10000") }
        let retention: Retention
        do {
            retention = try Retention(outboxSeconds: outboxRetentionHours * 3600, apiIdempotencySeconds: apiIdempotencyRetentionHours * 3600)
        } catch let invalid as Retention.Invalid {
            throw ValidationError(invalid.description)
        }
        let built = try await options.build(role: "paystream-scheduler", publicURL: "http://127.0.0.1", logger: logger)
        let jobs = EnvelopeCompensation(
            services: built.services, windowSeconds: windowDays * 86_400, grabGraceMilliseconds: Int64(grabGraceSeconds * 1000),
            expiryGraceSeconds: expiryGraceSeconds, refundToChannel: envelopeRefundTo == "channel", redrivePage: grabRedrivePage,
            expiryPage: expiryPage)
        let reconJobs = recon.jobs(built.services, logger: logger)
        let retentionJob = RetentionJob(retention: retention, postgres: built.services.store.postgres)
        if once {
            let grabs = try await jobs.redriveGrabs()
            let expired = try await jobs.expireEnvelopes()
            print("grab-redrive: found \(grabs.found), re-driven \(grabs.acted), refused by the ledger \(grabs.refused); envelope-expiry: found \(expired.found), expired \(expired.acted)")
            print("retention: \(try await retentionJob.run())")
            if let line = try await reconJobs.runOnce(day: recon.reconDate) { print(line) }
            await built.close()
            return
        }
        var pg = try PostgresConfiguration(url: built.configuration.postgresURL)
        pg.applicationName = "paystream-scheduler"
        let leader = AdvisoryLockLeader(name: leaderLock, configuration: pg, logger: logger)
        var group: [any Service] = [
            LeadershipService(leader: leader, interval: .milliseconds(Int64(leaderCheckSeconds * 1000)), logger: logger),
            PeriodicJob(name: "grab-redrive", interval: .milliseconds(Int64(grabRedriveIntervalSeconds * 1000)), leader: leader, logger: logger) {
                let r = try await jobs.redriveGrabs()
                return "found \(r.found), re-driven \(r.acted)"
            },
            PeriodicJob(name: "envelope-expiry", interval: .milliseconds(Int64(expiryIntervalSeconds * 1000)), leader: leader, logger: logger) {
                let r = try await jobs.expireEnvelopes()
                return "found \(r.found), expired \(r.acted)"
            },
            PeriodicJob(name: "retention", interval: .milliseconds(Int64(retentionIntervalSeconds * 1000)), leader: leader, logger: logger) {
                try await retentionJob.run()
            },
        ]
        group += reconJobs.periodic.map { PeriodicJob(name: $0.name, interval: $0.interval, leader: leader, logger: logger, body: $0.body) }
        if built.configuration.opsPort > 0 {
            let probe = built.probe
            group.append(
                OpsServer.make(
                    host: built.configuration.opsHost, port: built.configuration.opsPort, serverName: "paystream-scheduler",
                    logger: logger, readiness: { await probe.check() }))
        }
        logger.info("scheduler starting", metadata: ["expiryEverySeconds": "\(expiryIntervalSeconds)", "grabRedriveEverySeconds": "\(grabRedriveIntervalSeconds)"])
        try await ServiceGroup(configuration: .init(services: group, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        await built.close()
    }
}

/// Runs a job every `interval` while this process leads (at once when it becomes leader), until graceful
/// shutdown; a failed run is logged and the next one tries again.
struct PeriodicJob: Service {
    let name: String
    let interval: Duration
    let leader: AdvisoryLockLeader
    let logger: Logger
    let body: @Sendable () async throws -> String

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard await leader.isLeader else {
                try? await Task.sleep(for: .milliseconds(250))
                continue
            }
            do {
                let summary = try await body()
                logger.info("job run", metadata: ["job": "\(name)", "result": "\(summary)"])
            } catch {
                logger.error("job failed; next run retries", metadata: ["job": "\(name)", "error": "\(error)"])
            }
            // The wait ends at a graceful shutdown too: a job every hour must not hold SIGTERM for an hour.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// The retention job: one ``Retention`` run, recorded in `compensation_runs` like the envelope jobs ("found" is
/// what was removed, as a row is examined and removed in the same statement).
struct RetentionJob: Sendable {
    let retention: Retention
    let postgres: PostgresClient

    func run() async throws -> String {
        let started = Date()
        let result = try await retention.run(on: postgres)
        let removed = result.outboxDeleted + result.apiIdempotencyDeleted
        let summary =
            "outbox rows removed \(result.outboxDeleted), API idempotency keys removed \(result.apiIdempotencyDeleted)"
            + (result.unfinished ? ", more left for the next run" : "")
        try await recordJobRun("retention", started: started, found: removed, acted: removed, notes: summary, on: postgres)
        return summary
    }
}
