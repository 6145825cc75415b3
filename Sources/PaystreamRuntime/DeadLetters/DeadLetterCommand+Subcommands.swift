import ArgumentParser
import EventBus
import Foundation

extension DeadLetterCommand {
    /// `list`: the letters of every declared dead-letter topic (or one), pending ones unless --all.
    struct List: AsyncParsableCommand, DeadLetterSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead letters (pending ones; --all adds replayed and dropped).")
        @OptionGroup var options: DeadLetterToolOptions
        @OptionGroup var filters: DeadLetterFilterOptions
        @Flag(help: "Also show letters already replayed or dropped.") var all = false
        @Flag(help: "One JSON object per line instead of a table.") var json = false

        func run() async throws { try await runAsExecutable() }

        func execute(configuration: PaystreamConfiguration, output: any DeadLetterOutput) async throws {
            let (topics, optional) = try filters.topics(configuration)
            let listing = try await withDeadLetterService(configuration, readTimeoutMilliseconds: options.readTimeoutMs) {
                try await $0.list(topics: topics, filter: filters.filter(includeResolved: all), optionalTopics: optional)
            }
            for topic in listing.missingTopics { output.warn("warning: \(topic) does not exist on the cluster; skipped") }
            if json {
                listing.entries.forEach { output.write(DeadLetterRendering.jsonLine($0)) }
            } else if listing.entries.isEmpty {
                output.write("no \(all ? "" : "pending ")dead letters on \(topics.joined(separator: ", "))")
            } else {
                DeadLetterRendering.table(listing.entries).forEach(output.write)
                output.write("\(listing.entries.count) dead letter(s)")
            }
        }
    }

    /// `show`: one letter in full.
    struct Show: AsyncParsableCommand, DeadLetterSubcommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter: headers, payload and recorded actions.")
        @OptionGroup var options: DeadLetterToolOptions
        @Argument(help: "The dead-letter topic (<name>.dlq).") var dlqTopic: String
        @Argument(help: "Its partition.") var partition: Int32
        @Argument(help: "Its offset.") var offset: Int64

        func validate() throws { try validateAddress(topic: dlqTopic, partition: partition, offset: offset) }

        func run() async throws { try await runAsExecutable() }

        func execute(configuration: PaystreamConfiguration, output: any DeadLetterOutput) async throws {
            let address = DeadLetterAddress(topic: dlqTopic, partition: partition, offset: offset)
            let entry = try await withDeadLetterService(configuration, readTimeoutMilliseconds: options.readTimeoutMs) {
                try await $0.entry(at: address)
            }
            guard let entry else {
                output.warn("no message at \(address)")
                throw ExitCode.failure
            }
            DeadLetterRendering.details(entry).forEach(output.write)
        }
    }

    /// `replay`: produce letters again to their original topics and record it.
    struct Replay: AsyncParsableCommand, DeadLetterSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay dead letters to their original topic, key and partition, and record it.",
            discussion: """
                Select one letter (<dlq-topic> <partition> <offset>), the pending letters matching --filter \
                with --topic/--error/--since/--until, or every pending letter with --all (optionally --topic).
                """)
        @OptionGroup var options: DeadLetterToolOptions
        @Argument(help: "The dead-letter topic (<name>.dlq).") var dlqTopic: String?
        @Argument(help: "Its partition.") var partition: Int32?
        @Argument(help: "Its offset.") var offset: Int64?
        @Flag(help: "Replay the pending letters the filter options select.") var filter = false
        @OptionGroup var filters: DeadLetterFilterOptions
        @Flag(help: "Replay every pending letter (of --topic, if given).") var all = false
        @Flag(help: "Show what would be produced; produce and record nothing.") var dryRun = false
        @Flag(help: "Replay letters already replayed or dropped too.") var force = false
        @Option(help: "Why (recorded with the action).") var reason: String
        @Option(help: "Who (default: $USER, else \"operator\").") var actor: String?

        func validate() throws {
            try validateReason(reason)
            let coordinates = [dlqTopic != nil, partition != nil, offset != nil].filter { $0 }.count
            guard coordinates == 0 || coordinates == 3 else {
                throw ValidationError("name a letter with all three of <dlq-topic> <partition> <offset>")
            }
            let modes = [coordinates == 3, filter, all].filter { $0 }.count
            guard modes == 1 else {
                throw ValidationError("choose exactly one of: <dlq-topic> <partition> <offset>, --filter, --all")
            }
            if coordinates == 3 {
                try validateAddress(topic: dlqTopic!, partition: partition!, offset: offset!)
                guard !filters.narrows else { throw ValidationError("filter options apply to --filter or --all, not to one letter") }
            }
            if filter && !filters.narrows {
                throw ValidationError("--filter needs at least one of --topic, --error, --since, --until (or use --all)")
            }
            if all && (filters.errorText != nil || filters.since != nil || filters.until != nil) {
                throw ValidationError("--all takes only --topic; use --filter to select by error or time")
            }
        }

        func run() async throws { try await runAsExecutable() }

        func execute(configuration: PaystreamConfiguration, output: any DeadLetterOutput) async throws {
            let outcomes = try await withDeadLetterService(configuration, readTimeoutMilliseconds: options.readTimeoutMs) {
                service -> [DeadLetterService.ReplayOutcome] in
                let entries: [DeadLetterEntry]
                if let dlqTopic, let partition, let offset {
                    let address = DeadLetterAddress(topic: dlqTopic, partition: partition, offset: offset)
                    guard let entry = try await service.entry(at: address) else {
                        output.warn("no message at \(address)")
                        return []
                    }
                    entries = [entry]
                } else {
                    let (topics, optional) = try filters.topics(configuration)
                    let listing = try await service.list(
                        topics: topics, filter: filters.filter(includeResolved: force), optionalTopics: optional)
                    for topic in listing.missingTopics { output.warn("warning: \(topic) does not exist on the cluster; skipped") }
                    entries = listing.entries
                }
                return await service.replay(
                    entries, reason: reason, actor: defaultActor(actor), force: force, dryRun: dryRun)
            }
            var counts = (done: 0, refused: 0, failed: 0)
            for outcome in outcomes {
                switch outcome {
                case .wouldReplay(let plan):
                    counts.done += 1
                    output.write(DeadLetterRendering.dryRunLine(plan))
                case .replayed(let plan, let report):
                    counts.done += 1
                    output.write("replayed \(plan.address) -> \(report.topic)[\(report.partition)]@\(report.offset)")
                case .refused(let address, let why):
                    counts.refused += 1
                    output.warn("refused \(address): \(why)")
                case .failed(let address, let why):
                    counts.failed += 1
                    output.warn("FAILED \(address): \(why)")
                }
            }
            if outcomes.isEmpty {
                output.warn("nothing to replay: the selection matched no \(force ? "" : "pending ")dead letter")
                throw ExitCode.failure
            }
            output.write(
                dryRun
                    ? "dry run: \(counts.done) would be replayed, \(counts.refused) refused, \(counts.failed) failed; nothing produced or recorded"
                    : "\(counts.done) replayed, \(counts.refused) refused, \(counts.failed) failed")
            if counts.refused > 0 || counts.failed > 0 { throw ExitCode.failure }
        }
    }

    /// `drop`: record that a letter will not be replayed.
    struct Drop: AsyncParsableCommand, DeadLetterSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a dead letter will not be replayed (nothing is deleted from Kafka).")
        @OptionGroup var options: DeadLetterToolOptions
        @Argument(help: "The dead-letter topic (<name>.dlq).") var dlqTopic: String
        @Argument(help: "Its partition.") var partition: Int32
        @Argument(help: "Its offset.") var offset: Int64
        @Option(help: "Why (required, recorded with the action).") var reason: String
        @Option(help: "Who (default: $USER, else \"operator\").") var actor: String?

        func validate() throws {
            try validateAddress(topic: dlqTopic, partition: partition, offset: offset)
            try validateReason(reason)
        }

        func run() async throws { try await runAsExecutable() }

        func execute(configuration: PaystreamConfiguration, output: any DeadLetterOutput) async throws {
            let address = DeadLetterAddress(topic: dlqTopic, partition: partition, offset: offset)
            let outcome = try await withDeadLetterService(configuration, readTimeoutMilliseconds: options.readTimeoutMs) {
                try await $0.drop(address, reason: reason, actor: defaultActor(actor))
            }
            switch outcome {
            case .dropped(let action):
                output.write("dropped \(address) by \(action.actor) at \(DeadLetterTime.format(action.createdAt)): \(action.reason)")
            case .alreadyDropped(let action):
                output.write("\(address) was already dropped by \(action.actor) at \(DeadLetterTime.format(action.createdAt)); nothing recorded")
            case .alreadyReplayed(let action):
                output.warn(
                    "\(address) was already replayed by \(action.actor) at \(DeadLetterTime.format(action.createdAt)) (\(action.reason)); "
                        + "a drop cannot take a replay back; nothing recorded")
                throw ExitCode.failure
            case .notFound:
                output.warn("no message at \(address)")
                throw ExitCode.failure
            }
        }
    }
}
