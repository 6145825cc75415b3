import ArgumentParser

/// Entry point of every executable: parses the command line and runs the (possibly async) command.
/// Exists because a thin `main.swift` calling `Command.main()` would pick ArgumentParser's synchronous
/// overload, which refuses asynchronous commands.
public enum CommandRunner {
    public static func run<Command: ParsableCommand>(_ type: Command.Type) async {
        do {
            var command = try Command.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            Command.exit(withError: error)
        }
    }
}
