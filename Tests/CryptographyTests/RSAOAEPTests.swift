import Cryptography
import Foundation
import Testing

/// RSAES-OAEP with SHA-1 (MGF1 SHA-1, no label): how WeChat Pay wants sensitive fields (a transfer's `user_name`)
/// encrypted under its platform public key. Checked against the `openssl pkeyutl` command both ways.
@Suite("RSA-OAEP (SHA-1)")
struct RSAOAEPTests {
    static let key = try! RSAPrivateKey.generate(bits: 2048)

    @Test func aNameEncryptedUnderThePublicKeyDecryptsWithThePrivateOne() throws {
        let name = Array("张三丰".utf8)
        let first = try Self.key.publicKey.encryptedOAEPSHA1(name)
        let second = try Self.key.publicKey.encryptedOAEPSHA1(name)
        #expect(first.count == 256 && second.count == 256)
        #expect(first != second, "OAEP is randomized")
        #expect(try Self.key.decryptedOAEPSHA1(first) == name)
        #expect(try Self.key.decryptedOAEPSHA1(second) == name)
    }

    @Test func anotherKeysOrATamperedCiphertextDoesNotDecrypt() throws {
        let ciphertext = try Self.key.publicKey.encryptedOAEPSHA1(Array("李四".utf8))
        let other = try RSAPrivateKey.generate(bits: 2048)
        #expect(throws: CryptoError.self) { try other.decryptedOAEPSHA1(ciphertext) }
        var tampered = ciphertext
        tampered[100] ^= 0x01
        let error = #expect(throws: CryptoError.self) { try Self.key.decryptedOAEPSHA1(tampered) }
        #expect(error?.code == .authenticationFailed)
        #expect(throws: CryptoError.self) { try Self.key.decryptedOAEPSHA1(Array(ciphertext.dropLast())) }
    }

    @Test func theLengthOAEPCanCarryIsEnforced() throws {
        // 2048 bits: 256 − 2·20 − 2 = 214 bytes at most.
        #expect(try Self.key.decryptedOAEPSHA1(try Self.key.publicKey.encryptedOAEPSHA1([UInt8](repeating: 7, count: 214))).count == 214)
        for count in [0, 215] {
            let error = #expect(throws: CryptoError.self) { try Self.key.publicKey.encryptedOAEPSHA1([UInt8](repeating: 7, count: count)) }
            #expect(error?.code == .invalidArgument)
        }
    }

    /// The openssl command as an independent party: what it encrypts with OAEP SHA-1 we decrypt, what we encrypt it
    /// decrypts; one it encrypts with OAEP SHA-256 we refuse (the hash is part of the scheme).
    @Test func interoperatesWithOpenSSLPkeyutl() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oaep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let privatePEM = directory.appendingPathComponent("key.pem"), publicPEM = directory.appendingPathComponent("pub.pem")
        try Self.key.pemRepresentation.write(to: privatePEM, atomically: true, encoding: .utf8)
        try Self.key.publicKey.pemRepresentation.write(to: publicPEM, atomically: true, encoding: .utf8)
        let oaep = { (md: String) in ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:\(md)", "-pkeyopt", "rsa_mgf1_md:\(md)"] }

        let ours = try Self.key.publicKey.encryptedOAEPSHA1(Array("王五".utf8))
        let decrypted = try Self.openssl(["pkeyutl", "-decrypt", "-inkey", privatePEM.path] + oaep("sha1"), input: ours)
        #expect(String(decoding: decrypted, as: UTF8.self) == "王五")

        let theirs = try Self.openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", publicPEM.path] + oaep("sha1"), input: Array("赵六".utf8))
        #expect(try String(decoding: Self.key.decryptedOAEPSHA1(theirs), as: UTF8.self) == "赵六")

        let sha256 = try Self.openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", publicPEM.path] + oaep("sha256"), input: Array("赵六".utf8))
        #expect(throws: CryptoError.self) { try Self.key.decryptedOAEPSHA1(sha256) }
    }

    static func openssl(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLCommandFailed(message: String(decoding: errors, as: UTF8.self))
        }
        return Array(output)
    }

    struct OpenSSLCommandFailed: Error { let message: String }
}
