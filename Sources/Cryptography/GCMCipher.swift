import COpenSSL

/// The only place that drives OpenSSL's EVP AES-GCM. Each call owns a fresh EVP_CIPHER_CTX, so calls from
/// several threads never share state.
struct GCMCipher: Sendable {
    static let aes256 = GCMCipher(keyByteCount: 32, name: "AES-256-GCM")
    static let aes128 = GCMCipher(keyByteCount: 16, name: "AES-128-GCM")

    static let tagByteCount = 16
    /// Bytes handed to one EVP update call (its length parameter is a C int).
    private static let chunkByteCount = 1 << 30

    let keyByteCount: Int
    let name: String

    private var cipher: OpaquePointer? {
        keyByteCount == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm()
    }

    func seal(
        _ plaintext: some Collection<UInt8>, key: [UInt8], nonce: [UInt8], associatedData: [UInt8]
    ) throws -> AESGCMSealedBox {
        try checkLengths(key: key, nonce: nonce)
        let context = try CipherContext()
        try context.check(EVP_EncryptInit_ex(context.pointer, cipher, nil, nil, nil), "EVP_EncryptInit_ex")
        try setNonceLength(context, nonce.count)
        try context.check(EVP_EncryptInit_ex(context.pointer, nil, nil, key, nonce), "EVP_EncryptInit_ex(key)")
        try feedAssociatedData(context, associatedData, update: EVP_EncryptUpdate)

        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + Self.tagByteCount)
        var written = 0
        try plaintext.withBytePointer { input, count in
            try ciphertext.withUnsafeMutableBufferPointer { output in
                written = try update(context, input, count, output.baseAddress!, update: EVP_EncryptUpdate)
                var finalLength: Int32 = 0
                try context.check(
                    EVP_EncryptFinal_ex(context.pointer, output.baseAddress! + written, &finalLength),
                    "EVP_EncryptFinal_ex")
                written += Int(finalLength)
            }
        }
        guard written == plaintext.count else {
            throw CryptoError(.internalFailure, "\(name) produced \(written) bytes for \(plaintext.count)")
        }
        var tag = [UInt8](repeating: 0, count: Self.tagByteCount)
        try context.check(
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagByteCount), &tag),
            "EVP_CTRL_GCM_GET_TAG")
        ciphertext.removeLast(ciphertext.count - written)
        return AESGCMSealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    func open(
        ciphertext: [UInt8], tag: [UInt8], key: [UInt8], nonce: [UInt8], associatedData: [UInt8]
    ) throws -> [UInt8] {
        try checkLengths(key: key, nonce: nonce)
        guard tag.count == Self.tagByteCount else {
            throw CryptoError(.invalidLength, "\(name) tag is \(tag.count) bytes, expected \(Self.tagByteCount)")
        }
        let context = try CipherContext()
        try context.check(EVP_DecryptInit_ex(context.pointer, cipher, nil, nil, nil), "EVP_DecryptInit_ex")
        try setNonceLength(context, nonce.count)
        try context.check(EVP_DecryptInit_ex(context.pointer, nil, nil, key, nonce), "EVP_DecryptInit_ex(key)")
        try feedAssociatedData(context, associatedData, update: EVP_DecryptUpdate)

        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + Self.tagByteCount)
        var tagCopy = tag
        let authenticated: Bool = try plaintext.withUnsafeMutableBufferPointer { output in
            var written = try ciphertext.withBytePointer { input, count in
                try update(context, input, count, output.baseAddress!, update: EVP_DecryptUpdate)
            }
            try context.check(
                EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagByteCount), &tagCopy),
                "EVP_CTRL_GCM_SET_TAG")
            var finalLength: Int32 = 0
            let status = EVP_DecryptFinal_ex(context.pointer, output.baseAddress! + written, &finalLength)
            written += Int(finalLength)
            guard status > 0, written == ciphertext.count else {
                // Unauthenticated plaintext must not outlive this call, not even in freed memory.
                OPENSSL_cleanse(output.baseAddress!, output.count)
                return false
            }
            return true
        }
        guard authenticated else {
            OpenSSLErrorQueue.clear()
            throw CryptoError(.authenticationFailed, "\(name) tag does not authenticate the message")
        }
        plaintext.removeLast(Self.tagByteCount)
        return plaintext
    }

    private func checkLengths(key: [UInt8], nonce: [UInt8]) throws {
        guard key.count == keyByteCount else {
            throw CryptoError(.invalidLength, "\(name) key is \(key.count) bytes, expected \(keyByteCount)")
        }
        guard !nonce.isEmpty else {
            throw CryptoError(.invalidLength, "\(name) nonce is empty")
        }
    }

    private func setNonceLength(_ context: CipherContext, _ count: Int) throws {
        let length = try Int32.byteCount(count, "nonce")
        try context.check(
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_IVLEN, length, nil), "EVP_CTRL_GCM_SET_IVLEN")
    }

    private typealias Update = (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?, UnsafePointer<UInt8>?, Int32
    ) -> Int32

    private func feedAssociatedData(_ context: CipherContext, _ data: [UInt8], update: Update) throws {
        var offset = 0
        while offset < data.count {
            let chunk = min(data.count - offset, Self.chunkByteCount)
            var ignored: Int32 = 0
            let status = data.withUnsafeBufferPointer { buffer in
                update(context.pointer, nil, &ignored, buffer.baseAddress! + offset, Int32(chunk))
            }
            try context.check(status, "EVP update (associated data)")
            offset += chunk
        }
    }

    /// Runs the cipher over `count` bytes in C-int-sized chunks; returns the bytes written to `output`.
    private func update(
        _ context: CipherContext, _ input: UnsafePointer<UInt8>, _ count: Int, _ output: UnsafeMutablePointer<UInt8>,
        update: Update
    ) throws -> Int {
        var consumed = 0
        var written = 0
        while consumed < count {
            let chunk = min(count - consumed, Self.chunkByteCount)
            var length: Int32 = 0
            try context.check(
                update(context.pointer, output + written, &length, input + consumed, Int32(chunk)), "EVP update")
            consumed += chunk
            written += Int(length)
        }
        return written
    }
}

/// Owns one EVP_CIPHER_CTX for the length of one operation.
private final class CipherContext {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = EVP_CIPHER_CTX_new() else {
            throw CryptoError(.internalFailure, "EVP_CIPHER_CTX_new failed")
        }
        self.pointer = pointer
    }

    deinit { EVP_CIPHER_CTX_free(pointer) }

    func check(_ status: Int32, _ call: String) throws {
        guard status == 1 else { throw CryptoError(.internalFailure, "\(call) failed") }
    }
}
