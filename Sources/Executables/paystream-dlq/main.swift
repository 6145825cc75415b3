import PaystreamRuntime

await CommandRunner.run(DeadLetterCommand.self)
