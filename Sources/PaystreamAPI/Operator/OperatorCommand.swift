import ArgumentParser
import PaystreamRuntime

/// `paystream`: the operator's command line.
public struct OperatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream",
        abstract: "Paystream operator commands.",
        subcommands: RuntimeOperatorCommands.all + [ConfigCommand.self])

    public init() {}
}
