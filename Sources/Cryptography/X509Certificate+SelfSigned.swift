import COpenSSL
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension X509Certificate {
    /// Issues a version 3 certificate for `key`'s public key, signed by `key` itself with SHA256withRSA, for
    /// tests, local HTTPS and the channel sandbox. Never use it where a real CA-issued certificate is expected.
    ///
    /// - Parameters:
    ///   - commonName: the subject and issuer CN (1 to 64 bytes of UTF-8).
    ///   - serialNumber: the serial as unsigned big-endian bytes, not zero, at most 20 octets when DER-encoded
    ///     (RFC 5280); random 16 bytes by default.
    ///   - validDays: the validity period from `notValidBefore`, 1 to 36500 days.
    ///   - subjectAlternativeNames: DNS names or IPv4/IPv6 literals for the subjectAltName extension, which TLS
    ///     clients match instead of the CN.
    public static func selfSigned(
        key: RSAPrivateKey, commonName: String, serialNumber: [UInt8] = SecureRandom.bytes(count: 16),
        validDays: Int, notValidBefore: Date = Date(), subjectAlternativeNames: [String] = []
    ) throws -> X509Certificate {
        let name = Array(commonName.utf8)
        guard (1...64).contains(name.count) else {
            throw CryptoError(.invalidArgument, "common name is \(name.count) bytes; 1...64 allowed")
        }
        // RFC 5280: a positive INTEGER of at most 20 octets once DER adds a 0x00 before a set high bit.
        let significant = serialNumber.drop { $0 == 0 }
        guard serialNumber.count <= 20, !significant.isEmpty,
            significant.count < 20 || significant.first! < 0x80
        else {
            throw CryptoError(.invalidArgument, "serial number must be 1...20 octets as a positive DER integer, not 0")
        }
        guard (1...36500).contains(validDays) else {
            throw CryptoError(.invalidArgument, "validity of \(validDays) days; 1...36500 allowed")
        }
        let alternativeNames = try subjectAlternativeNamesDER(subjectAlternativeNames)

        OpenSSLErrorQueue.clear()
        guard let certificate = X509_new() else { throw CryptoError(.internalFailure, "X509_new failed") }
        var owned = true
        defer { if owned { X509_free(certificate) } }

        guard X509_set_version(certificate, 2) == 1 else { throw failure("X509_set_version") }
        guard let serial = BN_bin2bn(serialNumber, Int32(serialNumber.count), nil) else {
            throw failure("BN_bin2bn")
        }
        defer { BN_free(serial) }
        guard BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate)) != nil else {
            throw failure("BN_to_ASN1_INTEGER")
        }

        var start = time_t(notValidBefore.timeIntervalSince1970.rounded(.down))
        guard X509_time_adj_ex(X509_getm_notBefore(certificate), 0, 0, &start) != nil,
            X509_time_adj_ex(X509_getm_notAfter(certificate), Int32(validDays), 0, &start) != nil
        else { throw failure("X509_time_adj_ex") }

        guard let subject = X509_get_subject_name(certificate),
            X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, name, Int32(name.count), -1, 0) == 1,
            X509_set_issuer_name(certificate, subject) == 1
        else { throw failure("setting the subject and issuer name") }

        guard X509_set_pubkey(certificate, key.key.pointer) == 1 else { throw failure("X509_set_pubkey") }
        if let alternativeNames { try addExtension(NID_subject_alt_name, value: alternativeNames, to: certificate) }
        guard X509_sign(certificate, key.key.pointer, EVP_sha256()) > 0 else { throw failure("X509_sign") }

        owned = false
        return try X509Certificate(taking: certificate)
    }

    private static func failure(_ call: String) -> CryptoError {
        CryptoError(.internalFailure, "building a self-signed certificate: \(call) failed")
    }

    private static func addExtension(_ nid: Int32, value: [UInt8], to certificate: OpaquePointer) throws {
        guard let octets = ASN1_OCTET_STRING_new() else { throw failure("ASN1_OCTET_STRING_new") }
        defer { ASN1_OCTET_STRING_free(octets) }
        guard ASN1_OCTET_STRING_set(octets, value, Int32(value.count)) == 1,
            let extensionValue = X509_EXTENSION_create_by_NID(nil, nid, 0, octets)
        else { throw failure("creating an extension") }
        defer { X509_EXTENSION_free(extensionValue) }
        guard X509_add_ext(certificate, extensionValue, -1) == 1 else { throw failure("X509_add_ext") }
    }

    /// GeneralNames ::= SEQUENCE OF GeneralName, with dNSName [2] IA5String and iPAddress [7] OCTET STRING.
    private static func subjectAlternativeNamesDER(_ names: [String]) throws -> [UInt8]? {
        guard !names.isEmpty else { return nil }
        var content: [UInt8] = []
        for name in names {
            if let address = ipAddressBytes(name) {
                content += DER.element(tag: 0x87, address)
            } else {
                let ascii = Array(name.utf8)
                guard !ascii.isEmpty, ascii.count <= 253, ascii.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
                    throw CryptoError(.invalidArgument, "'\(name)' is not a DNS name or IP address")
                }
                content += DER.element(tag: 0x82, ascii)
            }
        }
        return DER.element(tag: 0x30, content)
    }

    private static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }
}

/// Minimal DER writing for the few structures built by hand.
enum DER {
    static func element(tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        [tag] + length(content.count) + content
    }

    static func length(_ count: Int) -> [UInt8] {
        guard count >= 0x80 else { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var remaining = count
        while remaining > 0 {
            bytes.insert(UInt8(remaining & 0xff), at: 0)
            remaining >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
}
