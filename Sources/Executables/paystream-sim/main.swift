import ChannelSandbox
import PaystreamRuntime

await CommandRunner.run(SandboxCommand.self)
