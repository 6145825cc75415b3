#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps a write to a socket the server has closed from killing the process.
///
/// hiredis 0.14 writes with plain `write(2)`, which raises SIGPIPE when the peer has reset the connection,
/// and SIGPIPE's default action terminates the process. Instead of ignoring SIGPIPE for the whole process
/// (a side effect on everybody else), this blocks it on the calling thread for the duration of `body`,
/// discards a SIGPIPE that `body` raised, and restores the thread's signal mask — the method libpq uses.
/// The failed write still returns EPIPE, which hiredis reports as an I/O error.
enum SIGPIPEGuard {
    static func run<T>(_ body: () -> T) -> T {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previousMask)
        let wasPendingBefore = isSIGPIPEPending()

        let result = body()

        if !wasPendingBefore && isSIGPIPEPending() {
            var noWait = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeOnly, nil, &noWait)
        }
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        return result
    }

    private static func isSIGPIPEPending() -> Bool {
        var pending = sigset_t()
        sigemptyset(&pending)
        guard sigpending(&pending) == 0 else { return false }
        return sigismember(&pending, SIGPIPE) == 1
    }
}
