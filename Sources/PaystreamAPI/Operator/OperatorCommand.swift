import ArgumentParser
import PaystreamRuntime

/// `paystream`: the operator's command line — the runtime's commands, and those that need the API's wiring
/// (the configuration check; reconciliation, which downloads the channels' bills).
public struct OperatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream",
        abstract: "Paystream operator commands.",
        subcommands: RuntimeOperatorCommands.all + [ConfigCommand.self, ReconCommand.self])

    public init() {}
}
