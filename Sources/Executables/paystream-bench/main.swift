import PaystreamRuntime

await CommandRunner.run(BenchCommand.self)
