import Cryptography
import Foundation

/// The platform's secret keys, read from a keys file or the environment, never from the repository:
/// - `fields`: the ``FieldKeyring`` that seals sensitive data at rest (card numbers, names, phone and ID numbers,
///   API clients' secrets) and computes blind indexes;
/// - `session`: 32 bytes that sign login sessions.
///
/// The file (made by `paystream keys generate`) is JSON: `{"fields": <FieldKeyring JSON>, "session": "<Base64>"}`.
/// Sources, first found wins: `--keys-file`, `PAYSTREAM_KEYS_FILE` (a path), `PAYSTREAM_KEYS` (the JSON itself).
/// Nothing prints key bytes: `description` names versions only.
public struct SecurityKeys: Sendable, CustomStringConvertible {
    public let fields: FieldKeyring
    public let sessionKey: [UInt8]

    public var cipher: FieldCipher { FieldCipher(keyring: fields) }
    public var description: String { "SecurityKeys(fields: \(fields), session: 32 bytes)" }

    public init(fields: FieldKeyring, sessionKey: [UInt8]) throws {
        guard sessionKey.count == 32, sessionKey.contains(where: { $0 != 0 }) else {
            throw SecurityKeysError("the session key must be 32 random bytes")
        }
        self.fields = fields
        self.sessionKey = sessionKey
    }

    public static func generate() throws -> SecurityKeys {
        try SecurityKeys(fields: FieldKeyring.generate(), sessionKey: SecureRandom.bytes(count: 32))
    }

    public init(json: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let fields = object["fields"] as? [String: Any], let session = object["session"] as? String
        else { throw SecurityKeysError("a keys file is {\"fields\": {…}, \"session\": \"<Base64>\"}") }
        let fieldsJSON = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        try self.init(fields: FieldKeyring(json: Array(fieldsJSON)), sessionKey: Base64.decode(session))
    }

    public func jsonRepresentation() throws -> String {
        let fieldsObject = try JSONSerialization.jsonObject(with: Data(fields.jsonRepresentation().utf8))
        let data = try JSONSerialization.data(
            withJSONObject: ["fields": fieldsObject, "session": Base64.encode(sessionKey)], options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The keys from `path`, else the environment; nil when no source is configured.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SecurityKeys? {
        if let path = path ?? environment["PAYSTREAM_KEYS_FILE"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SecurityKeysError("cannot read the keys file \(path)")
            }
            return try SecurityKeys(json: text)
        }
        if let json = environment["PAYSTREAM_KEYS"] { return try SecurityKeys(json: json) }
        return nil
    }

    /// Like ``load(path:environment:)``, failing when no source is configured.
    public static func require(path: String?) throws -> SecurityKeys {
        guard let keys = try load(path: path) else {
            throw SecurityKeysError("no keys: give --keys-file, PAYSTREAM_KEYS_FILE or PAYSTREAM_KEYS (make one with `paystream keys generate`)")
        }
        return keys
    }
}

public struct SecurityKeysError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
