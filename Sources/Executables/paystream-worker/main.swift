import PaystreamRuntime

PendingRole.worker.announce()
