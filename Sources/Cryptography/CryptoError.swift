import COpenSSL

/// The one error every operation in this module throws.
///
/// It names what went wrong (``code``), says why in words (``reason``), carries OpenSSL's own error strings when
/// OpenSSL produced any, and records where it was thrown. It never contains key material, plaintext or other
/// secrets, so it is safe to log.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    /// A machine-readable kind of failure; compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A key, nonce or tag has the wrong number of bytes.
        public static let invalidLength = Code("invalidLength")
        /// An AEAD tag did not match: the ciphertext, the associated data, the nonce or the key is not the one
        /// that sealed it. No plaintext is returned.
        public static let authenticationFailed = Code("authenticationFailed")
        /// The text is not PEM, or its PEM block is not the kind this call expects, or it is encrypted.
        public static let invalidPEM = Code("invalidPEM")
        /// The bytes do not decode as the expected key.
        public static let invalidKey = Code("invalidKey")
        /// The key decodes but is not an RSA key of at least 2048 bits.
        public static let unsupportedKey = Code("unsupportedKey")
        /// The bytes do not decode as an X.509 certificate, or the certificate has a field we cannot read.
        public static let invalidCertificate = Code("invalidCertificate")
        /// Hex or Base64 text is malformed.
        public static let invalidEncoding = Code("invalidEncoding")
        /// An argument is out of its documented range.
        public static let invalidArgument = Code("invalidArgument")
        /// OpenSSL failed where it should not (allocation, provider, internal error).
        public static let internalFailure = Code("internalFailure")
        /// A stored password hash or sealed field names an algorithm or format this module does not know.
        public static let unsupportedFormat = Code("unsupportedFormat")
        /// A sealed field names a key version that the keyring does not hold (retired, or from another keyring).
        public static let unknownKeyVersion = Code("unknownKeyVersion")
        /// A keyring is inconsistent: no current key, the current version missing, a version that is not a
        /// positive integer, or the blind-index key equal to a data key.
        public static let invalidKeyring = Code("invalidKeyring")
        /// A key file cannot be read, or the environment variable that should hold a keyring is unset or empty.
        public static let keySourceUnavailable = Code("keySourceUnavailable")
    }

    public let code: Code
    /// What failed, in words.
    public let reason: String
    /// OpenSSL's error queue at the time of failure (ERR_error_string_n), oldest first; may be empty.
    public let openSSLErrors: [String]
    /// Where the error was thrown (`#fileID`, `#line`).
    public let file: String
    public let line: UInt

    public var description: String {
        var text = "CryptoError.\(code): \(reason)"
        if !openSSLErrors.isEmpty { text += " [OpenSSL: \(openSSLErrors.joined(separator: "; "))]" }
        return text + " (\(file):\(line))"
    }

    /// Makes an error and drains OpenSSL's thread-local error queue into it, so a later call does not report
    /// a stale error.
    init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = OpenSSLErrorQueue.drain()
        self.file = file
        self.line = line
    }
}

extension CryptoError {
    /// Runs `body`, which calls one of this module's untyped-throwing functions, and rethrows its error typed.
    /// Those functions throw nothing but `CryptoError`; anything else is reported as an internal failure.
    static func typed<Result>(
        file: String = #fileID, line: UInt = #line, _ body: () throws -> Result
    ) throws(CryptoError) -> Result {
        do {
            return try body()
        } catch let error as CryptoError {
            throw error
        } catch {
            throw CryptoError(.internalFailure, "unexpected error \(type(of: error))", file: file, line: line)
        }
    }
}

/// OpenSSL keeps a per-thread queue of errors. Every function of this module is synchronous, so the queue it
/// reads belongs to the thread that made the failing call.
enum OpenSSLErrorQueue {
    /// At most this many entries are kept; the rest are discarded.
    static let maximumEntries = 16

    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            guard messages.count < maximumEntries else { continue }
            var buffer = [CChar](repeating: 0, count: 256)
            let message = buffer.withUnsafeMutableBufferPointer { pointer -> String in
                ERR_error_string_n(code, pointer.baseAddress, pointer.count)
                return String(cString: pointer.baseAddress!)
            }
            messages.append(message)
        }
        return messages
    }

    /// Forgets errors that an expected failure (a wrong signature, a wrong tag) left behind.
    static func clear() { ERR_clear_error() }
}
