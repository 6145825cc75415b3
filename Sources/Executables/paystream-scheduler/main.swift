import PaystreamAPI
import PaystreamRuntime

await CommandRunner.run(SchedulerCommand.self)
