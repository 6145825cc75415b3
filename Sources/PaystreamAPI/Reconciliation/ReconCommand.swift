import ArgumentParser
import Foundation
import LedgerStore
import Logging
import PaystreamCore
import PaystreamRuntime
import Postgres
import Reconciliation

/// `paystream recon`: external reconciliation (the channels' daily bills against the platform's bookings),
/// internal reconciliation (the ledger's invariants), the stored runs, and admins' resolutions.
///
/// Exit status of `run` and `internal`: 0 when nothing is to be looked at, 1 when a difference or violation was
/// found (and recorded), 2 when the reconciliation could not run.
struct ReconCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recon", abstract: "Reconciliation: external (channel bills) and internal (ledger invariants).",
        subcommands: [Run.self, Internal.self, Show.self, Resolve.self, Approve.self, Decline.self, Requery.self])

    /// The admin login `login`, proved by its password on standard input (one line; typed without echo on a
    /// terminal), as the console's sign-in proves it: a decision is recorded under a name only its holder can give.
    /// A wrong password counts against the login as a failed sign-in (five lock it for 15 minutes, the console too).
    /// Throws (exit status 2) for a wrong password, a locked login or one that is no admin's.
    ///
    /// This holds against a mistaken or casual second name, not against whoever holds the database URL the command
    /// runs with: that person can write any row, or set any login's password with `paystream logins create`. Give
    /// operators the console; keep the command line for those trusted with the database.
    static func authenticatedAdmin(_ login: String, client: PostgresClient) async throws -> String {
        guard let password = readPassword(prompt: "password of \(login): "), !password.isEmpty else {
            throw ValidationError("--by \(login): the login's password is read from standard input")
        }
        switch try await Logins(postgres: client).verify(login: login, password: password) {
        case .accepted(let principal) where principal.role == .admin: return principal.login
        case .accepted: throw ValidationError("\(login) is not an operator's (admin) login")
        case .rejected: throw ValidationError("--by \(login): wrong login or password")
        case .locked(let until): throw ValidationError("--by \(login): locked after too many failures, until \(until)")
        case .busy: throw ValidationError("--by \(login): too many sign-ins at once; try again")
        }
    }

    /// One line of standard input; on a terminal, after `prompt` (on standard error) and without echo.
    static func readPassword(prompt: String) -> String? {
        guard isatty(STDIN_FILENO) != 0 else { return readLine(strippingNewline: true) }
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return readLine(strippingNewline: true) }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSANOW, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }

    /// Runs an admin's decision, recorded in the console's audit trail as done or refused (marked as made on the
    /// command line), as the console records its own.
    static func audited<T>(
        _ client: PostgresClient, logger: Logger, admin: String, action: String, subject: String, _ decide: () async throws -> (T, String)
    ) async throws -> T {
        let audit = ConsoleAudit(postgres: client, logger: logger)
        let correlationID = "cli-" + UUID().uuidString.lowercased()
        do {
            let (result, detail) = try await decide()
            await audit.record(admin: admin, action: action, subject: subject, outcome: .done, detail: "command line: \(detail)", correlationID: correlationID)
            return result
        } catch {
            await audit.record(admin: admin, action: action, subject: subject, outcome: .refused, detail: "command line: \(error)", correlationID: correlationID)
            throw error
        }
    }

    static func postgres(_ runtime: RuntimeOptions, role: String, logger: Logger) throws -> PostgresClient {
        let configuration = try runtime.resolve()
        Observability.bootstrap(configuration)
        var pg = try PostgresConfiguration(url: configuration.postgresURL)
        pg.poolSize = 2
        pg.applicationName = role
        return PostgresClient(configuration: pg, logger: logger)
    }

    /// Runs `body` with a client, closing it afterwards; an error becomes exit status 2 with its message.
    static func withPostgres<T>(
        _ runtime: RuntimeOptions, role: String, _ body: (PostgresClient, Logger) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: "paystream.\(role)")
        let client = try postgres(runtime, role: role, logger: logger)
        do {
            let result = try await body(client, logger)
            await client.shutdown()
            return result
        } catch let error as ExitCode {
            await client.shutdown()
            throw error
        } catch {
            await client.shutdown()
            FileHandle.standardError.write(Data("\(role): could not run: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reconcile a day's bills of the channels with the platform's bookings, and store the run.",
            discussion: """
                Downloads the day's bill of each channel (WeChat Pay tradebill, Alipay bill.downloadurl.query; \
                Bill99, which has no bill file, is asked about each of the day's payouts with its query), \
                and the next day's if the channel has it (to tell a cross-day booking from a missing one), matches \
                by out trade number and transaction id, prints every difference and stores the run with its items. \
                Running a day again records a new run and what changed since the previous one.
                """)

        @OptionGroup var options: ServiceOptions
        @Option(help: "The bill day, yyyy-MM-dd (Asia/Shanghai).") var date: String
        @Option(help: "A channel to reconcile (wechat, alipay, bill99); repeat for several. Default: all three.") var channel: [String] = []
        @Option(help: "A booking this many seconds before midnight, absent from the day's bill, is held while the next day's bill is not out.")
        var crossDayWindowSeconds = 600
        @Option(help: """
            Hours after the end of the day from which a channel's "no bill for this day" is final: an empty bill, with the \
            day's bookings reported. Before, the run fails (the bill is not out yet).
            """)
        var noBillFinalAfterHours = 48
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func validate() throws {
            guard ReconDays.adjacent(date, by: 0) != nil else { throw ValidationError("--date must be yyyy-MM-dd") }
            guard noBillFinalAfterHours >= 0 else { throw ValidationError("--no-bill-final-after-hours >= 0") }
            for name in channel where Channel(rawValue: name) == nil {
                throw ValidationError("--channel is wechat, alipay or bill99")
            }
        }

        func run() async throws {
            let channels = channel.isEmpty ? Channel.allCases : channel.compactMap(Channel.init(rawValue:))
            let runs = try await ReconCommand.withPostgres(options.runtime, role: "paystream-recon") { client, logger in
                let reconciler = ExternalReconciler(
                    client: client, sources: try ReconSources.make(options, postgres: client, logger: logger),
                    crossDayWindowSeconds: crossDayWindowSeconds, noBillFinalAfterSeconds: noBillFinalAfterHours * 3600, logger: logger)
                var runs: [ReconRun] = []
                for channel in channels {
                    if let run = try await reconciler.run(day: date, channel: channel, trigger: .manual) { runs.append(run) }
                }
                return runs
            }
            print(json ? ReconOutput.json(runs) : ReconOutput.text(runs))
            if runs.contains(where: { !$0.differences.isEmpty }) { throw ExitCode(1) }
        }
    }

    struct Internal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "internal",
            abstract: "Check the ledger's invariants (per account and merchant, global, envelopes) and record the run.",
            discussion: """
                Names every account, entry and order that breaks a rule ("VIOLATION <rule> <subject>: <figures>"). \
                Read-only on the ledger; the run is recorded in recon_internal_runs.
                """)

        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Show at most this many violations of each rule (all are counted).") var limit = 100
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() async throws {
            let outcome = try await ReconCommand.withPostgres(runtime, role: "paystream-recon-internal") { client, _ in
                try await InternalReconciler(client: client, violationLimitPerRule: max(1, limit)).run(trigger: .manual)
            }
            let report = outcome.report
            if json {
                print(InternalReconciler.json(report))
            } else {
                let c = report.checked
                print("internal reconciliation run \(outcome.runID): \(c.accounts) accounts, \(c.entries) entries, \(c.postings) postings, \(c.orders) orders")
                for violation in report.violations { print("VIOLATION \(violation)") }
                print(report.isClean ? "internal reconciliation: clean" : "internal reconciliation: \(report.totalViolations) violation(s)")
            }
            if !report.isClean { throw ExitCode(1) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the stored runs of a day, oldest first.")

        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The bill day, yyyy-MM-dd.") var date: String
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() async throws {
            let runs = try await ReconCommand.withPostgres(runtime, role: "paystream-recon-show") { client, _ in
                try await ReconStore(client: client).runs(day: date)
            }
            print(json ? ReconOutput.json(runs) : ReconOutput.text(runs))
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a reported difference, or propose a correcting journal entry for it.",
            discussion: """
                Without --debit/--credit the difference is acknowledged (no money moves). With them, a correction is \
                proposed: a new balanced entry of kind correction that moves --amount-fen from --debit to --credit \
                (account:bucket, e.g. clearing:wechat:available, user:42:available), posted only when another operator \
                approves it (`recon approve`); old entries are never edited. --by is an admin login, proved by its \
                password on standard input.
                """)

        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The recon item id (from `recon run` or `recon show`).") var item: Int64
        @Option(help: "The admin login resolving it (its password on standard input).") var by: String
        @Option(help: "Why.") var reason: String
        @Option(help: "account:bucket debited by the correction.") var debit: String?
        @Option(help: "account:bucket credited by the correction.") var credit: String?
        @Option(help: "The correction's amount in fen.") var amountFen: Int64?

        func validate() throws {
            let parts = [debit == nil, credit == nil, amountFen == nil]
            guard parts.allSatisfy({ $0 }) || parts.allSatisfy({ !$0 }) else {
                throw ValidationError("--debit, --credit and --amount-fen go together")
            }
            if let amountFen, amountFen <= 0 { throw ValidationError("--amount-fen must be positive") }
        }

        func run() async throws {
            var correction: ReconResolutions.Correction?
            if let debit, let credit, let amountFen {
                correction = .init(debit: try Self.side(debit), credit: try Self.side(credit), amountFen: amountFen)
            }
            if let correction {
                let proposal = try await ReconCommand.withPostgres(runtime, role: "paystream-recon-resolve") { client, logger in
                    let admin = try await ReconCommand.authenticatedAdmin(by, client: client)
                    return try await ReconCommand.audited(client, logger: logger, admin: admin, action: "recon.propose", subject: "item \(item)") {
                        let proposal = try await ReconResolutions(client: client).propose(itemID: item, by: admin, reason: reason, correction: correction)
                        return (proposal, "proposal \(proposal.proposalID): \(correction.amountFen) fen: \(reason)")
                    }
                }
                print(
                    "correction of item \(item) proposed (proposal \(proposal.proposalID)); another operator posts it with "
                        + "`paystream recon approve --proposal \(proposal.proposalID) --by <login>`")
                return
            }
            let resolution = try await ReconCommand.withPostgres(runtime, role: "paystream-recon-resolve") { client, logger in
                let admin = try await ReconCommand.authenticatedAdmin(by, client: client)
                return try await ReconCommand.audited(client, logger: logger, admin: admin, action: "recon.resolve", subject: "item \(item)") {
                    let resolution = try await ReconResolutions(client: client).resolve(itemID: item, by: admin, reason: reason)
                    return (resolution, "acknowledged (resolution \(resolution.resolutionID)): \(reason)")
                }
            }
            print("item \(item) resolved (resolution \(resolution.resolutionID)), acknowledged")
        }

        /// `kind:name:bucket` → (account, bucket).
        static func side(_ text: String) throws -> (AccountID, Bucket) {
            guard let colon = text.lastIndex(of: ":"), let bucket = Bucket(rawValue: String(text[text.index(after: colon)...])),
                let account = AccountID(String(text[..<colon]))
            else { throw ValidationError("\(text) is not account:bucket (e.g. clearing:wechat:available)") }
            return (account, bucket)
        }
    }
}

extension ReconCommand {
    /// `paystream recon approve --proposal N --by <login>`: a second operator posts a proposed correction.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a proposed correction: its entry is posted and its difference resolved.",
            discussion: """
                Refused for the operator who proposed it, for a proposal decided already, and when a check fails now. \
                --by is an admin login, proved by its password on standard input.
                """)
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The proposal (from `recon resolve` or `recon show`).") var proposal: Int64
        @Option(help: "The approving admin login (its password on standard input): not the one who proposed it.") var by: String

        func run() async throws {
            let resolution = try await ReconCommand.withPostgres(runtime, role: "paystream-recon-approve") { client, logger in
                let admin = try await ReconCommand.authenticatedAdmin(by, client: client)
                return try await ReconCommand.audited(client, logger: logger, admin: admin, action: "recon.approve", subject: "proposal \(proposal)") {
                    let resolution = try await ReconResolutions(client: client).approve(proposalID: proposal, by: admin)
                    return (resolution, "posted \(resolution.entryIdempotencyKey ?? "") (resolution \(resolution.resolutionID))")
                }
            }
            print(
                "proposal \(proposal) approved: resolution \(resolution.resolutionID)"
                    + (resolution.entryIdempotencyKey.map { ", correcting entry \($0)" } ?? ""))
        }
    }

    /// `paystream recon decline --proposal N --by <login> --reason R`: a proposed correction is not posted.
    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decline (or, as its proposer, withdraw) a proposed correction; its difference stays open.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The proposal.") var proposal: Int64
        @Option(help: "The admin login declining it (its password on standard input).") var by: String
        @Option(help: "Why.") var reason: String

        func run() async throws {
            try await ReconCommand.withPostgres(runtime, role: "paystream-recon-decline") { client, logger in
                let admin = try await ReconCommand.authenticatedAdmin(by, client: client)
                try await ReconCommand.audited(client, logger: logger, admin: admin, action: "recon.decline", subject: "proposal \(proposal)") {
                    try await ReconResolutions(client: client).decline(proposalID: proposal, by: admin, reason: reason)
                    return ((), "declined: \(reason)")
                }
            }
            print("proposal \(proposal) declined")
        }
    }

    /// `paystream recon requery --order N`: a payment the channel has and the ledger has not booked (its order still
    /// `created`), found by reconciliation after the payment poller stopped asking (it asks about a day's orders).
    struct Requery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the channel about a payment order the ledger has not booked yet, and book it as its notify would.",
            discussion: """
                For an order still created that the channel's bill shows paid. The answer goes through the same intake \
                as a notify (key notify:<channel>:<transaction id>), so the payment is booked once, whatever else \
                delivers it too. A payment of another amount is held for review; an unpaid order older than \
                --expire-seconds is closed at the channel and failed. Prints paid, heldForReview, failed, waiting, or \
                refusedByTheLedger (its event was refused before: replay its dead letter once the cause is fixed).
                """)

        @OptionGroup var options: ServiceOptions
        @Option(help: "The payment order (out_trade_no).") var order: String
        @Option(help: "An unpaid order older than this is closed at the channel and failed (paystream-api's --payment-expire-seconds).")
        var expireSeconds = 8_100.0

        func run() async throws {
            let logger = Logger(label: "paystream.recon-requery")
            let built = try await options.build(role: "paystream-recon-requery", publicURL: "http://127.0.0.1", logger: logger)
            do {
                let rows = try await built.services.store.postgres.query(
                    """
                    SELECT p.channel, o.status, (o.created_at < now() - \(Int64(expireSeconds)) * interval '1 second') AS expired
                    FROM channel_payments p JOIN orders o ON o.order_id = p.order_id WHERE p.order_id = \(order)
                    """)
                guard let row = rows.first, let channel = Channel(rawValue: try row.decode(String.self, column: "channel")) else {
                    throw ValidationError("no payment order \(order)")
                }
                let status = try row.decode(String.self, column: "status")
                if status != "created" {
                    print("\(order): \(status) already, nothing to ask")
                } else {
                    let outcome = try await PaymentPoller(services: built.services, queryAfter: .zero)
                        .ask(order, channel: channel, expired: try row.decode(Bool.self, column: "expired"))
                    print("\(order): \(outcome.rawValue)")
                    if outcome == .refusedByTheLedger {
                        print("the channel has it paid, and the ledger refused its event before: fix the cause, then replay its dead letter (paystream-dlq replay)")
                    }
                }
            } catch {
                await built.close()
                FileHandle.standardError.write(Data("paystream recon requery: \(error)\n".utf8))
                throw ExitCode(2)
            }
            await built.close()
        }
    }
}

/// The bill sources of the configured channels.
enum ReconSources {
    static func make(_ options: ServiceOptions, postgres: PostgresClient, logger: Logger) throws -> [any BillSource] {
        make(try options.channelSet(publicURL: "http://127.0.0.1", logger: logger), postgres: postgres)
    }

    static func make(_ channels: ChannelSet, postgres: PostgresClient) -> [any BillSource] {
        [
            WeChatBillSource(client: channels.wechat, payoutsFrom: postgres), AlipayBillSource(client: channels.alipay),
            Bill99QuerySource(client: channels.bill99, postgres: postgres),
        ]
    }
}
