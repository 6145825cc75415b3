import PaystreamRuntime

PendingRole.sim.announce()
