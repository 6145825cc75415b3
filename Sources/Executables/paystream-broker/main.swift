import PaystreamRuntime

await CommandRunner.run(BrokerCommand.self)
