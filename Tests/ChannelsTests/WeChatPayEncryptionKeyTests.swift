import Cryptography
import Foundation
import Testing

@testable import Channels

/// Which WeChat Pay key a sensitive field (a payee's name) is encrypted under. WeChat Pay decrypts only with the key
/// that `Wechatpay-Serial` names, and during a platform certificate rotation two certificates overlap: the new one
/// must be chosen, whatever the order of the serials.
@Suite struct WeChatPayEncryptionKeyTests {
    static let day: TimeInterval = 86_400
    static let now = Date()
    /// Issued 20 days ago, valid 30 days; a serial that sorts after the new one's.
    static let old = try! X509Certificate.selfSigned(
        key: TestKeys.platform, commonName: "old platform", serialNumber: [0x7E, 0x01], validDays: 30,
        notValidBefore: now - 20 * day)
    /// Issued yesterday, valid 30 days; a serial that sorts first.
    static let new = try! X509Certificate.selfSigned(
        key: TestKeys.rogue, commonName: "new platform", serialNumber: [0x01, 0x02], validDays: 30,
        notValidBefore: now - day)

    @Test func duringARotationTheCertificateIssuedLastIsChosen() throws {
        let keys = try WeChatPayPlatformKeys(certificates: [Self.old, Self.new])
        #expect(keys.serials.last == Self.old.serialNumberHex, "the serials alone would pick the old certificate")
        let chosen = try #require(keys.encryptionKey(at: Self.now))
        #expect(chosen.serial == Self.new.serialNumberHex)
        let expected = try Self.new.publicKey.derRepresentation
        #expect(try chosen.key.derRepresentation == expected)
    }

    @Test func aCertificateNotYetOrNoLongerValidIsNotChosenWhileAnotherIs() throws {
        let keys = try WeChatPayPlatformKeys(certificates: [Self.new, Self.old])
        // Ten days ago only the old certificate was valid; in 15 days only the new one will be.
        #expect(keys.encryptionKey(at: Self.now - 10 * Self.day)?.serial == Self.old.serialNumberHex)
        #expect(keys.encryptionKey(at: Self.now + 15 * Self.day)?.serial == Self.new.serialNumberHex)
        // When none is valid, one is still named (WeChat Pay answers for an expired one, which is logged there).
        #expect(keys.encryptionKey(at: Self.now + 100 * Self.day) != nil)
    }

    @Test func aWeChatPayPublicKeyIsPreferredToEveryCertificate() throws {
        let keys = WeChatPayPlatformKeys(
            [Self.old.serialNumberHex: try Self.old.publicKey, "PUB_KEY_ID_0114232482152024041700326700000000": try Self.new.publicKey])
        #expect(keys.encryptionKey(at: Self.now)?.serial == "PUB_KEY_ID_0114232482152024041700326700000000")
    }
}
