/// Redis keeps one script cache per server, shared by every test of the run: a `SCRIPT FLUSH` in one test makes
/// the scripts of every other test unknown again. The tests that count how often a script was sent in full run
/// one at a time under this lock, so that a flush cannot land between two of their calls.
actor ScriptCacheLock {
    static let shared = ScriptCacheLock()

    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` while no other holder of the lock runs.
    static func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }

    private func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()  // the lock passes to the next waiter, still held
        }
    }
}
