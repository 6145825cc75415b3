import PaystreamRuntime

PendingRole.api.announce()
