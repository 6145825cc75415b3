import PaystreamAPI
import PaystreamRuntime

await CommandRunner.run(APICommand.self)
