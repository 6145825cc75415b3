import Synchronization

extension Mutex where Value == Bool {
    /// Sets the flag and answers whether this call was the one that set it: the first of any number of
    /// concurrent `close()` calls does the closing, the others return at once.
    func setFirstTime() -> Bool {
        withLock { flag in
            defer { flag = true }
            return !flag
        }
    }
}
