import COpenSSL
import Foundation

/// An X.509 certificate read from PEM or DER, such as a WeChat Pay platform or merchant certificate or an Alipay
/// public-key certificate.
///
/// It reads fields; it does not check the certificate's chain, signature or revocation, and it does not check
/// dates unless you call ``isValid(at:)``. WeChat Pay identifies keys by ``serialNumberHex``.
/// The value is immutable and safe to share between tasks and threads.
public struct X509Certificate: Sendable, CustomStringConvertible {
    let certificate: X509Handle

    /// The serial number in upper-case hex without leading zeros, the way WeChat Pay prints it in
    /// `Wechatpay-Serial` and `serial_no` (e.g. "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC").
    public let serialNumberHex: String
    /// The start of the validity period (notBefore), to the second.
    public let notValidBefore: Date
    /// The end of the validity period (notAfter), to the second.
    public let notValidAfter: Date

    init(taking pointer: OpaquePointer) throws {
        certificate = X509Handle(taking: pointer)
        serialNumberHex = try certificate.serialNumberHex()
        notValidBefore = try X509Handle.date(X509_get0_notBefore(pointer), "notBefore")
        notValidAfter = try X509Handle.date(X509_get0_notAfter(pointer), "notAfter")
    }

    /// Loads the first PEM block of `pemRepresentation`, which must be a `CERTIFICATE`.
    public init(pemRepresentation: String) throws {
        let pointer = try PEM.firstBlock(in: pemRepresentation, accepting: ["CERTIFICATE"], what: "a certificate") {
            _, der in try X509Handle.decode(der)
        }
        try self.init(taking: pointer)
    }

    /// Loads a DER certificate, which must be all of `derRepresentation`.
    public init(derRepresentation: some Collection<UInt8>) throws {
        let pointer = try derRepresentation.withBytePointer { pointer, count in
            try X509Handle.decode(UnsafeBufferPointer(start: pointer, count: count))
        }
        try self.init(taking: pointer)
    }

    /// Every `CERTIFICATE` block of `pemRepresentation` in order (e.g. a chain or Alipay's root certificate
    /// bundle). Throws if there is none or one does not decode; other block kinds are skipped.
    public static func certificates(pemRepresentation: String) throws -> [X509Certificate] {
        var result: [X509Certificate] = []
        try PEM.forEachBlock(in: pemRepresentation) { label, der in
            if label == "CERTIFICATE" { result.append(try X509Certificate(taking: try X509Handle.decode(der))) }
            return true
        }
        guard !result.isEmpty else { throw CryptoError(.invalidPEM, "no PEM 'CERTIFICATE' block found") }
        return result
    }

    /// The subject's RSA public key. Throws `.unsupportedKey` if the certificate holds another kind of key or
    /// an RSA key under 2048 bits.
    public var publicKey: RSAPublicKey {
        get throws {
            guard let pointer = X509_get_pubkey(certificate.pointer) else {
                throw CryptoError(.invalidCertificate, "the certificate's public key cannot be decoded")
            }
            return RSAPublicKey(key: try EVPKey.adopt(pointer))
        }
    }

    /// True if `date` is within notBefore...notAfter (inclusive).
    public func isValid(at date: Date) -> Bool {
        notValidBefore <= date && date <= notValidAfter
    }

    /// PEM (`-----BEGIN CERTIFICATE-----`).
    public var pemRepresentation: String {
        get throws { try PEM.write { bio in PEM_write_bio_X509(bio, certificate.pointer) } }
    }

    /// DER.
    public var derRepresentation: [UInt8] {
        get throws { try certificate.der() }
    }

    public var description: String {
        "X509Certificate(serial \(serialNumberHex), \(notValidBefore)...\(notValidAfter))"
    }
}

/// The one owner of an OpenSSL `X509`.
///
/// `@unchecked Sendable` is safe because the certificate is never modified after decoding or signing, and
/// OpenSSL allows concurrent read-only use of an X509 (its cached extension data is computed under its own lock).
final class X509Handle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }

    static func decode(_ der: UnsafeBufferPointer<UInt8>) throws -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        guard let start = der.baseAddress, !der.isEmpty else {
            throw CryptoError(.invalidCertificate, "certificate is empty")
        }
        var cursor: UnsafePointer<UInt8>? = start
        guard let pointer = d2i_X509(nil, &cursor, der.count) else {
            throw CryptoError(.invalidCertificate, "the bytes are not a DER X.509 certificate")
        }
        guard cursor == start + der.count else {
            X509_free(pointer)
            throw CryptoError(.invalidCertificate, "certificate DER has trailing bytes")
        }
        return pointer
    }

    func serialNumberHex() throws -> String {
        guard let serial = X509_get0_serialNumber(pointer), let number = ASN1_INTEGER_to_BN(serial, nil) else {
            throw CryptoError(.invalidCertificate, "the serial number cannot be read")
        }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { throw CryptoError(.internalFailure, "BN_bn2hex failed") }
        defer { CRYPTO_free(hex, #fileID, #line) }
        // BN_bn2hex prints whole bytes ("0ABC"); WeChat Pay (Java BigInteger.toString(16), Go %X) does not.
        var text = String(cString: hex).uppercased()
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        let trimmed = text.drop { $0 == "0" }
        return (negative ? "-" : "") + (trimmed.isEmpty ? "0" : String(trimmed))
    }

    func der() throws -> [UInt8] {
        let length = i2d_X509(pointer, nil)
        guard length > 0 else { throw CryptoError(.internalFailure, "i2d_X509 failed") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(pointer, &cursor)
        }
        guard written == length else { throw CryptoError(.internalFailure, "i2d_X509 wrote \(written) bytes") }
        return der
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?, _ field: String) throws -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else {
            throw CryptoError(.invalidCertificate, "the certificate's \(field) time cannot be read")
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
