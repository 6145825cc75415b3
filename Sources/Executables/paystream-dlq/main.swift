import PaystreamRuntime

PendingRole.dlq.announce()
