import Cryptography
import Foundation
import PaystreamCore

/// Reads keys and certificates from the files named in configuration.
///
/// Guarantees: a file is read whole and decoded strictly (PEM through OpenSSL, or the bare Base64 DER that
/// Alipay's console hands out); a missing, unreadable or undecodable file is a ``ChannelError`` with
/// `.configuration` naming the file but never its content.
enum KeyFiles {
    static func text(_ path: String, channel: Channel, what: String) throws(ChannelError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChannelError(.configuration, channel: channel, operation: "load", message: "cannot read \(what) at \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ChannelError(.configuration, channel: channel, operation: "load", message: "\(what) at \(path) is not UTF-8")
        }
        return text
    }

    /// A PEM private key (PKCS#8 or PKCS#1), or the bare Base64 of its DER.
    static func privateKey(_ path: String, channel: Channel, what: String) throws(ChannelError) -> RSAPrivateKey {
        let content = try text(path, channel: channel, what: what)
        do {
            if content.contains("-----BEGIN") { return try RSAPrivateKey(pemRepresentation: content) }
            return try RSAPrivateKey(derRepresentation: try Base64.decode(stripWhitespace(content)))
        } catch {
            throw ChannelError(
                .configuration, channel: channel, operation: "load", message: "\(what) at \(path) is not usable: \(code(error))")
        }
    }

    /// A `PUBLIC KEY` / `RSA PUBLIC KEY` PEM, a `CERTIFICATE` PEM (its subject key), or the bare Base64 of a
    /// SubjectPublicKeyInfo DER.
    static func publicKey(_ path: String, channel: Channel, what: String) throws(ChannelError) -> RSAPublicKey {
        let content = try text(path, channel: channel, what: what)
        do {
            if content.contains("-----BEGIN CERTIFICATE") { return try X509Certificate(pemRepresentation: content).publicKey }
            if content.contains("-----BEGIN") { return try RSAPublicKey(pemRepresentation: content) }
            return try RSAPublicKey(derRepresentation: try Base64.decode(stripWhitespace(content)))
        } catch {
            throw ChannelError(
                .configuration, channel: channel, operation: "load", message: "\(what) at \(path) is not usable: \(code(error))")
        }
    }

    static func stripWhitespace(_ text: String) -> String {
        String(text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init))
    }

    private static func code(_ error: any Error) -> String {
        (error as? CryptoError).map { "\($0.code): \($0.reason)" } ?? "\(type(of: error))"
    }
}
