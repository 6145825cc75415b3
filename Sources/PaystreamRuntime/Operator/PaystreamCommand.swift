import ArgumentParser

/// `paystream`: the operator's command line.
public struct PaystreamCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream",
        abstract: "Paystream operator commands.",
        subcommands: [MigrateCommand.self, TopicsCommand.self, KafkaCommand.self, DemoCommand.self,
            LedgerCommand.self, KeysCommand.self, ClientsCommand.self, LoginsCommand.self])

    public init() {}
}
