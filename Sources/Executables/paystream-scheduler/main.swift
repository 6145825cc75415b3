import PaystreamRuntime

PendingRole.scheduler.announce()
