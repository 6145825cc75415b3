import ArgumentParser
import Foundation
import Logging
import PaystreamCore
import PaystreamRuntime
import Reconciliation
import ServiceLifecycle

/// `paystream-scheduler`: the periodic jobs. Envelope compensation: expired envelopes refunded (every 10 min
/// by default), grabs without their transfer re-driven (every 30 min), over the last 30 days; every run
/// recorded in `compensation_runs`. Reconciliation: the previous day's bills of each channel at `--recon-at`
/// (02:00 Asia/Shanghai; once per day and channel), the ledger's invariants every `--internal-recon-interval-seconds`
/// (see ``ReconciliationJobs``). Several schedulers may run at once: each job is safe to run concurrently.
public struct SchedulerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-scheduler",
        abstract: "Run Paystream's periodic jobs: envelope expiry refunds, grab compensation, reconciliation.")

    @OptionGroup public var options: ServiceOptions
    @Option(help: "Seconds between envelope expiry runs.") public var expiryIntervalSeconds = 600.0
    @Option(help: "Seconds between grab compensation runs.") public var grabRedriveIntervalSeconds = 1800.0
    @Option(help: "Days of envelopes scanned.") public var windowDays = 30
    @Option(help: "A grab pending in Redis this many seconds is re-driven.") public var grabGraceSeconds = 30.0
    @Option(help: "Seconds after its expiry before an envelope is expired (grabs in flight land first).") public var expiryGraceSeconds = 5
    @Option(help: "Where the rest of a channel-paid expired envelope goes: channel (its refund API) or wallet.")
    public var envelopeRefundTo = "channel"
    @Option(help: "When the previous day's bills are reconciled, HH:mm Asia/Shanghai.") public var reconAt = "02:00"
    @Option(help: "Channels reconciled daily (comma-separated; empty: none).") public var reconChannels = "wechat,alipay,bill99"
    @Option(help: "Seconds between checks whether the daily reconciliation is due.") public var reconCheckSeconds = 300.0
    @Option(help: "Earlier days the daily reconciliation also runs if they have no scheduled run yet.") public var reconCatchUpDays = 3
    @Option(help: "Seconds between internal reconciliation runs (ledger invariants); 0 turns it off.")
    public var internalReconIntervalSeconds = 3600.0
    @Option(help: "With --once: also reconcile this day's bills (yyyy-MM-dd) as the daily job would, and the ledger.")
    public var reconDate: String?
    @Flag(help: "Run each job once and exit.") public var once = false

    public init() {}

    public func run() async throws {
        let logger = Logger(label: "paystream.scheduler")
        guard ["channel", "wallet"].contains(envelopeRefundTo) else { throw ValidationError("--envelope-refund-to is channel or wallet") }
        guard let reconDueAfter = ReconDays.secondsOfDay(reconAt) else { throw ValidationError("--recon-at is HH:mm") }
        let reconChannelList = try reconChannels.split(separator: ",").map { name in
            guard let channel = Channel(rawValue: String(name)) else { throw ValidationError("--recon-channels: wechat, alipay, bill99") }
            return channel
        }
        let built = try await options.build(role: "paystream-scheduler", publicURL: "http://127.0.0.1", logger: logger)
        let recon = ReconciliationJobs(
            external: ExternalReconciler(
                client: built.services.store.postgres,
                sources: ReconSources.make(built.services.channels, postgres: built.services.store.postgres), logger: logger),
            internalRecon: InternalReconciler(client: built.services.store.postgres), channels: reconChannelList,
            dueAfterSeconds: reconDueAfter, logger: logger, catchUpDays: max(0, reconCatchUpDays))
        let jobs = EnvelopeCompensation(
            services: built.services, windowSeconds: windowDays * 86_400, grabGraceMilliseconds: Int64(grabGraceSeconds * 1000),
            expiryGraceSeconds: expiryGraceSeconds, refundToChannel: envelopeRefundTo == "channel")
        if once {
            let grabs = try await jobs.redriveGrabs()
            let expired = try await jobs.expireEnvelopes()
            print("grab-redrive: found \(grabs.found), re-driven \(grabs.acted); envelope-expiry: found \(expired.found), expired \(expired.acted)")
            if let reconDate {
                print("reconciliation: \(await recon.runDaily(day: reconDate)); internal: \(try await recon.runInternal())")
            }
            await built.close()
            return
        }
        var group: [any Service] = [
            PeriodicJob(name: "grab-redrive", interval: .milliseconds(Int64(grabRedriveIntervalSeconds * 1000)), logger: logger) {
                let r = try await jobs.redriveGrabs()
                return "found \(r.found), re-driven \(r.acted)"
            },
            PeriodicJob(name: "envelope-expiry", interval: .milliseconds(Int64(expiryIntervalSeconds * 1000)), logger: logger) {
                let r = try await jobs.expireEnvelopes()
                return "found \(r.found), expired \(r.acted)"
            },
        ]
        if !reconChannelList.isEmpty {
            group.append(
                PeriodicJob(name: "reconciliation", interval: .milliseconds(Int64(reconCheckSeconds * 1000)), logger: logger) {
                    await recon.runDaily()
                })
        }
        if internalReconIntervalSeconds > 0 {
            group.append(
                PeriodicJob(name: "internal-reconciliation", interval: .milliseconds(Int64(internalReconIntervalSeconds * 1000)), logger: logger) {
                    try await recon.runInternal()
                })
        }
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

/// Runs a job now and then every `interval` until graceful shutdown; a failed run is logged and the next one
/// tries again.
struct PeriodicJob: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let body: @Sendable () async throws -> String

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let summary = try await body()
                logger.info("job run", metadata: ["job": "\(name)", "result": "\(summary)"])
            } catch {
                logger.error("job failed; next run retries", metadata: ["job": "\(name)", "error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
