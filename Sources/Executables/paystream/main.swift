import PaystreamAPI
import PaystreamRuntime

await CommandRunner.run(OperatorCommand.self)
