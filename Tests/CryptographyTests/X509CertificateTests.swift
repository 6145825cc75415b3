import Cryptography
import Foundation
import Testing

@Suite struct X509CertificateTests {
    @Test func selfSignedCertificateRoundTrips() throws {
        let key = RSATests.key
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let certificate = try X509Certificate.selfSigned(
            key: key, commonName: "sandbox.paystream.local", serialNumber: try Hex.decode("0123456789abcdef"),
            validDays: 30, notValidBefore: start, subjectAlternativeNames: ["localhost", "127.0.0.1", "::1"])
        #expect(certificate.serialNumberHex == "123456789ABCDEF", "no leading zero, upper-case")
        #expect(certificate.notValidBefore == start)
        #expect(certificate.notValidAfter == start.addingTimeInterval(30 * 86_400))
        #expect(certificate.isValid(at: start.addingTimeInterval(86_400)))
        #expect(!certificate.isValid(at: start.addingTimeInterval(-1)))
        #expect(!certificate.isValid(at: start.addingTimeInterval(31 * 86_400)))
        #expect(try certificate.publicKey == key.publicKey)

        let pem = try certificate.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        let reloaded = try X509Certificate(pemRepresentation: pem)
        #expect(reloaded.serialNumberHex == certificate.serialNumberHex)
        #expect(reloaded.notValidAfter == certificate.notValidAfter)
        #expect(try reloaded.derRepresentation == certificate.derRepresentation)
        #expect(
            try X509Certificate(derRepresentation: certificate.derRepresentation).serialNumberHex == "123456789ABCDEF")

        // A signature made by the key verifies with the certificate's key.
        let signature = try key.signatureSHA256(for: "hello")
        #expect(try reloaded.publicKey.isValidSignatureSHA256(signature, for: "hello"))
    }

    @Test func twentyOctetSerialIsAccepted() throws {
        let serial = [0x7f] + [UInt8](repeating: 0xff, count: 19)
        let certificate = try X509Certificate.selfSigned(
            key: RSATests.key, commonName: "x", serialNumber: serial, validDays: 1)
        #expect(certificate.serialNumberHex == Hex.encode(serial, uppercase: true))
    }

    @Test func bundleOfCertificatesLoadsInOrder() throws {
        let first = try X509Certificate.selfSigned(key: RSATests.key, commonName: "a", serialNumber: [1], validDays: 1)
        let second = try X509Certificate.selfSigned(key: RSATests.key, commonName: "b", serialNumber: [2], validDays: 1)
        let bundle = try first.pemRepresentation + "some text between blocks\n" + second.pemRepresentation
        let all = try X509Certificate.certificates(pemRepresentation: bundle)
        #expect(all.map(\.serialNumberHex) == ["1", "2"])
    }

    @Test func invalidArgumentsForSelfSignedThrow() {
        let key = RSATests.key
        for (name, serial, days) in [
            ("", [UInt8(1)], 1), ("x", [0, 0], 1), ("x", [1], 0), ("x", [UInt8](repeating: 1, count: 21), 1),
            ("x", [0x80] + [UInt8](repeating: 1, count: 19), 1),
        ] {
            let error = #expect(throws: CryptoError.self) {
                try X509Certificate.selfSigned(key: key, commonName: name, serialNumber: serial, validDays: days)
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func textThatIsNotACertificateThrows() throws {
        let notPEM = #expect(throws: CryptoError.self) { try X509Certificate(pemRepresentation: "certificate") }
        #expect(notPEM?.code == .invalidPEM)
        let keyPEM = try RSATests.key.publicKey.pemRepresentation
        let wrongKind = #expect(throws: CryptoError.self) { try X509Certificate(pemRepresentation: keyPEM) }
        #expect(wrongKind?.code == .invalidPEM)
        let garbage = "-----BEGIN CERTIFICATE-----\nAAECAwQFBgc=\n-----END CERTIFICATE-----\n"
        let badDER = #expect(throws: CryptoError.self) { try X509Certificate(pemRepresentation: garbage) }
        #expect(badDER?.code == .invalidCertificate)
    }
}
