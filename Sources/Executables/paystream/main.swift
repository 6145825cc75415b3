import PaystreamRuntime

await CommandRunner.run(PaystreamCommand.self)
