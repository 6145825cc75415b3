import PaystreamRuntime

await CommandRunner.run(WorkerCommand.self)
