import COpenSSL

/// PEM text (RFC 7468) to DER and back, through OpenSSL's PEM reader and memory BIOs. Internal: public types
/// accept PEM text and never show a BIO.
enum PEM {
    /// At most this many blocks are read from one text.
    static let maximumBlocks = 64

    /// Calls `body` with the label (e.g. "PRIVATE KEY") and DER bytes of each PEM block in `text`, in order,
    /// until `body` returns false. The DER bytes are wiped and freed after `body` returns: copy what you keep.
    /// Throws ``CryptoError/Code/invalidPEM`` if the text has no PEM block or a block is malformed or encrypted.
    static func forEachBlock(
        in text: String, _ body: (_ label: String, _ der: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) throws {
        OpenSSLErrorQueue.clear()
        try Array(text.utf8).withBytePointer { textPointer, textCount in
            let textLength = try Int32.byteCount(textCount, "PEM text")
            guard let bio = BIO_new_mem_buf(textPointer, textLength) else {
                throw CryptoError(.internalFailure, "BIO_new_mem_buf failed")
            }
            defer { BIO_free(bio) }
            var blockCount = 0
            while blockCount < maximumBlocks {
                var name: UnsafeMutablePointer<CChar>? = nil
                var header: UnsafeMutablePointer<CChar>? = nil
                var data: UnsafeMutablePointer<UInt8>? = nil
                var length = 0
                let status = PEM_read_bio(bio, &name, &header, &data, &length)
                defer {
                    CRYPTO_free(name, #fileID, #line)
                    CRYPTO_free(header, #fileID, #line)
                    if let data { CRYPTO_clear_free(data, length, #fileID, #line) }
                }
                guard status == 1, let name, let header, let data else {
                    // The end of the text: OpenSSL reports it as "no start line".
                    OpenSSLErrorQueue.clear()
                    guard blockCount > 0 else {
                        throw CryptoError(.invalidPEM, "no PEM block (-----BEGIN ...-----) found in the text")
                    }
                    return
                }
                blockCount += 1
                let label = String(cString: name)
                guard header.pointee == 0 else {
                    throw CryptoError(
                        .invalidPEM, "PEM block '\(label)' has headers (an encrypted key?); only plain PEM is supported"
                    )
                }
                guard try body(label, UnsafeBufferPointer(start: data, count: length)) else { return }
            }
        }
    }

    /// The label and a copy of the DER of the first PEM block in `text`, checked against `accepted` labels.
    static func firstBlock<Result>(
        in text: String, accepting accepted: Set<String>, what: String,
        _ decode: (_ label: String, _ der: UnsafeBufferPointer<UInt8>) throws -> Result
    ) throws -> Result {
        var result: Result?
        try forEachBlock(in: text) { label, der in
            guard accepted.contains(label) else {
                var hint = ""
                if label == "ENCRYPTED PRIVATE KEY" { hint = "; decrypt it first (encrypted keys are not supported)" }
                if label == "CERTIFICATE" { hint = "; use X509Certificate(pemRepresentation:).publicKey" }
                let expected = accepted.sorted().map { "'\($0)'" }.joined(separator: " or ")
                throw CryptoError(.invalidPEM, "expected \(what) (PEM \(expected)), found PEM '\(label)'\(hint)")
            }
            result = try decode(label, der)
            return false
        }
        guard let result else { throw CryptoError(.invalidPEM, "no PEM block found") }
        return result
    }

    /// Runs `write` against a fresh memory BIO and returns what it wrote as text. `secure` uses OpenSSL's
    /// secure-heap BIO, which wipes its memory when freed (for private keys).
    static func write(secure: Bool = false, _ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(secure ? BIO_s_secmem() : BIO_s_mem()) else {
            throw CryptoError(.internalFailure, "BIO_new failed")
        }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError(.internalFailure, "PEM encoding failed") }
        let pending = Int(BIO_ctrl_pending(bio))
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = bytes.withUnsafeMutableBufferPointer { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        guard Int(read) == pending else { throw CryptoError(.internalFailure, "BIO_read returned \(read)") }
        defer { if secure { OPENSSL_cleanse(&bytes, bytes.count) } }
        return String(decoding: bytes, as: UTF8.self)
    }
}
