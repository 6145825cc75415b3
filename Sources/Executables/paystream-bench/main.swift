import PaystreamRuntime

PendingRole.bench.announce()
