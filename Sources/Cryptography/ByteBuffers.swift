/// Access to contiguous bytes for C calls.
extension Collection<UInt8> {
    /// Calls `body` with a pointer to the bytes and their count. The pointer is never nil, even for an empty
    /// collection (some OpenSSL functions treat a NULL pointer differently from an empty buffer). It is valid
    /// only during `body`.
    func withBytePointer<Result>(
        _ body: (UnsafePointer<UInt8>, Int) throws -> Result
    ) rethrows -> Result {
        if isEmpty {
            var placeholder: UInt8 = 0
            return try withUnsafePointer(to: &placeholder) { try body($0, 0) }
        }
        if let result = try withContiguousStorageIfAvailable({ try body($0.baseAddress!, $0.count) }) {
            return result
        }
        return try Array(self).withUnsafeBufferPointer { try body($0.baseAddress!, $0.count) }
    }
}

extension Int32 {
    /// Converts a byte count for a C `int` parameter, or throws if it does not fit.
    static func byteCount(_ count: Int, _ what: String) throws -> Int32 {
        guard let value = Int32(exactly: count) else {
            throw CryptoError(.invalidArgument, "\(what) is \(count) bytes, more than a C int can carry")
        }
        return value
    }
}
