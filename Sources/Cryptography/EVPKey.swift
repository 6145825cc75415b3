import COpenSSL

/// The one owner of an OpenSSL `EVP_PKEY`: decodes keys, signs, verifies and encodes them. Public key types wrap
/// it and never show the pointer.
///
/// `@unchecked Sendable` is safe because the key is never modified after it is decoded or generated (no setter
/// is ever called on it), OpenSSL documents EVP_PKEY as safe for concurrent read-only use (openssl-threads(7)),
/// and every sign or verify call creates its own EVP_MD_CTX / EVP_PKEY_CTX, which is never shared.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of one reference to `pointer`.
    private init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    static let minimumRSABits = 2048
    static let maximumRSABits = 16384

    var bitCount: Int { Int(EVP_PKEY_get_bits(pointer)) }
    /// The size of a signature in bytes (the modulus size for RSA).
    var signatureByteCount: Int { Int(EVP_PKEY_get_size(pointer)) }

    // MARK: Decoding

    /// A PKCS#8 PrivateKeyInfo or PKCS#1 RSAPrivateKey DER, which must be all of `der`.
    static func decodePrivateKey(der: UnsafeBufferPointer<UInt8>) throws -> EVPKey {
        try decode(der, what: "private key") { cursor in d2i_AutoPrivateKey(nil, cursor, der.count) }
    }

    /// A SubjectPublicKeyInfo DER (PEM "PUBLIC KEY").
    static func decodeSubjectPublicKeyInfo(der: UnsafeBufferPointer<UInt8>) throws -> EVPKey {
        try decode(der, what: "public key") { cursor in d2i_PUBKEY(nil, cursor, der.count) }
    }

    /// A PKCS#1 RSAPublicKey DER (PEM "RSA PUBLIC KEY").
    static func decodePKCS1PublicKey(der: UnsafeBufferPointer<UInt8>) throws -> EVPKey {
        try decode(der, what: "RSA public key") { cursor in d2i_PublicKey(EVP_PKEY_RSA, nil, cursor, der.count) }
    }

    /// Takes one reference to an EVP_PKEY that OpenSSL handed out (e.g. X509_get_pubkey) and checks it.
    static func adopt(_ pointer: OpaquePointer) throws -> EVPKey {
        let key = EVPKey(taking: pointer)
        try key.requireSupportedRSA()
        return key
    }

    private static func decode(
        _ der: UnsafeBufferPointer<UInt8>, what: String,
        _ d2i: (UnsafeMutablePointer<UnsafePointer<UInt8>?>) -> OpaquePointer?
    ) throws -> EVPKey {
        OpenSSLErrorQueue.clear()
        guard let start = der.baseAddress, !der.isEmpty else { throw CryptoError(.invalidKey, "\(what) is empty") }
        var cursor: UnsafePointer<UInt8>? = start
        guard let pointer = d2i(&cursor) else {
            throw CryptoError(.invalidKey, "the bytes are not a DER \(what)")
        }
        let key = EVPKey(taking: pointer)
        guard cursor == start + der.count else {
            throw CryptoError(.invalidKey, "\(what) DER has \(start + der.count - cursor!) trailing bytes")
        }
        try key.requireSupportedRSA()
        return key
    }

    private func requireSupportedRSA() throws {
        guard EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA else {
            throw CryptoError(
                .unsupportedKey, "the key is not an RSA key (OpenSSL type id \(EVP_PKEY_get_base_id(pointer)))")
        }
        guard (Self.minimumRSABits...Self.maximumRSABits).contains(bitCount) else {
            throw CryptoError(
                .unsupportedKey,
                "the RSA key has \(bitCount) bits; \(Self.minimumRSABits)...\(Self.maximumRSABits) are supported")
        }
    }

    // MARK: Generating

    static func generateRSA(bits: Int) throws -> EVPKey {
        guard (minimumRSABits...maximumRSABits).contains(bits) else {
            throw CryptoError(
                .invalidArgument, "RSA key size \(bits) bits; \(minimumRSABits)...\(maximumRSABits) allowed")
        }
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else {
            throw CryptoError(.internalFailure, "EVP_PKEY_CTX_new_id failed")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1,
            EVP_PKEY_generate(context, &generated) == 1, let generated
        else { throw CryptoError(.internalFailure, "RSA key generation failed") }
        return EVPKey(taking: generated)
    }

    // MARK: SHA256withRSA

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `data`. Deterministic: the same key and data give the same signature.
    func signSHA256(_ data: some Collection<UInt8>) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        let context = try DigestContext()
        var keyContext: OpaquePointer? = nil
        guard EVP_DigestSignInit(context.pointer, &keyContext, EVP_sha256(), nil, pointer) == 1,
            EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) == 1
        else { throw CryptoError(.internalFailure, "EVP_DigestSignInit failed (is this a private key?)") }
        var signature = [UInt8](repeating: 0, count: signatureByteCount)
        var length = signature.count
        let status = data.withBytePointer { bytes, count in
            EVP_DigestSign(context.pointer, &signature, &length, bytes, count)
        }
        guard status == 1, length == signature.count else {
            throw CryptoError(.internalFailure, "EVP_DigestSign failed")
        }
        return signature
    }

    /// True only if `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `data` under this key. Any
    /// failure, including an OpenSSL allocation failure, answers false (fail closed).
    func verifySHA256(signature: [UInt8], data: some Collection<UInt8>) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard signature.count == signatureByteCount, let context = try? DigestContext() else { return false }
        var keyContext: OpaquePointer? = nil
        guard EVP_DigestVerifyInit(context.pointer, &keyContext, EVP_sha256(), nil, pointer) == 1,
            EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) == 1
        else { return false }
        let status = data.withBytePointer { bytes, count in
            EVP_DigestVerify(context.pointer, signature, signature.count, bytes, count)
        }
        return status == 1
    }

    // MARK: RSAES-OAEP with SHA-1

    /// RSAES-OAEP (SHA-1, MGF1 with SHA-1, no label) of `plaintext` under the public half: randomized, as many bytes
    /// as the modulus. The scheme WeChat Pay requires for sensitive fields (`user_name`, …).
    func encryptOAEPSHA1(_ plaintext: [UInt8]) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        // OAEP with SHA-1 carries at most k - 2·20 - 2 bytes.
        guard !plaintext.isEmpty, plaintext.count <= signatureByteCount - 42 else {
            throw CryptoError(.invalidArgument, "RSA-OAEP takes 1...\(signatureByteCount - 42) bytes under this key")
        }
        let context = try OAEPContext(key: pointer, forEncryption: true)
        var length = 0
        guard EVP_PKEY_encrypt(context.pointer, nil, &length, plaintext, plaintext.count) == 1 else {
            throw CryptoError(.internalFailure, "EVP_PKEY_encrypt (size) failed")
        }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt(context.pointer, &out, &length, plaintext, plaintext.count) == 1 else {
            throw CryptoError(.internalFailure, "EVP_PKEY_encrypt failed")
        }
        return Array(out.prefix(length))
    }

    /// The plaintext of an RSAES-OAEP (SHA-1) ciphertext under this private key; throws `.authenticationFailed` for
    /// a ciphertext this key did not make (or a tampered one), without saying more.
    func decryptOAEPSHA1(_ ciphertext: [UInt8]) throws -> [UInt8] {
        defer { OpenSSLErrorQueue.clear() }
        guard ciphertext.count == signatureByteCount else {
            throw CryptoError(.invalidLength, "an RSA-OAEP ciphertext under this key is \(signatureByteCount) bytes")
        }
        let context = try OAEPContext(key: pointer, forEncryption: false)
        var length = signatureByteCount
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_decrypt(context.pointer, &out, &length, ciphertext, ciphertext.count) == 1 else {
            throw CryptoError(.authenticationFailed, "the RSA-OAEP ciphertext does not decrypt under this key")
        }
        return Array(out.prefix(length))
    }

    // MARK: Encoding

    /// The SubjectPublicKeyInfo DER of the public half.
    func subjectPublicKeyInfoDER() throws -> [UInt8] {
        let length = i2d_PUBKEY(pointer, nil)
        guard length > 0 else { throw CryptoError(.internalFailure, "i2d_PUBKEY failed") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        guard written == length else { throw CryptoError(.internalFailure, "i2d_PUBKEY wrote \(written) bytes") }
        return der
    }

    /// A new key holding only the public half (no private material).
    func publicOnly() throws -> EVPKey {
        let der = try subjectPublicKeyInfoDER()
        return try der.withUnsafeBufferPointer { try EVPKey.decodeSubjectPublicKeyInfo(der: $0) }
    }

    func privateKeyPEM() throws -> String {
        try PEM.write(secure: true) { bio in PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) }
    }

    func publicKeyPEM() throws -> String {
        try PEM.write { bio in PEM_write_bio_PUBKEY(bio, pointer) }
    }

    func hasSamePublicKey(as other: EVPKey) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        return EVP_PKEY_eq(pointer, other.pointer) == 1
    }
}

/// Owns one EVP_PKEY_CTX set up for RSAES-OAEP with SHA-1 (and MGF1 with SHA-1), for one operation.
private final class OAEPContext {
    let pointer: OpaquePointer

    init(key: OpaquePointer, forEncryption: Bool) throws {
        guard let pointer = EVP_PKEY_CTX_new(key, nil) else { throw CryptoError(.internalFailure, "EVP_PKEY_CTX_new failed") }
        self.pointer = pointer
        guard (forEncryption ? EVP_PKEY_encrypt_init(pointer) : EVP_PKEY_decrypt_init(pointer)) == 1,
            EVP_PKEY_CTX_set_rsa_padding(pointer, RSA_PKCS1_OAEP_PADDING) == 1,
            EVP_PKEY_CTX_set_rsa_oaep_md(pointer, EVP_sha1()) == 1,
            EVP_PKEY_CTX_set_rsa_mgf1_md(pointer, EVP_sha1()) == 1
        else { throw CryptoError(.internalFailure, "RSA-OAEP set-up failed (is this a private key?)") }
    }

    deinit { EVP_PKEY_CTX_free(pointer) }
}

/// Owns one EVP_MD_CTX for the length of one operation.
private final class DigestContext {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = EVP_MD_CTX_new() else { throw CryptoError(.internalFailure, "EVP_MD_CTX_new failed") }
        self.pointer = pointer
    }

    deinit { EVP_MD_CTX_free(pointer) }
}
