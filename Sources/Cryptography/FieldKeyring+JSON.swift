import Foundation

/// The key file format:
///
/// ```json
/// {"current": 2, "keys": {"1": "<base64 of 32 bytes>", "2": "<base64 of 32 bytes>"}, "index": "<base64 of 32 bytes>",
///  "rowsBoundFrom": 2}
/// ```
///
/// `rowsBoundFrom` (``FieldKeyring/rowsBoundFrom``) is absent from key files made before rows were bound.
///
/// Keys are standard padded Base64 (as `openssl rand -base64 32` prints them); versions are the decimal names
/// of `keys`; other members are ignored. Error messages name members and versions, never key text.
extension FieldKeyring {
    /// Key files and variables longer than this are refused unread.
    public static let maximumJSONByteCount = 64 * 1024

    private struct File: Codable {
        var current: Int
        var keys: [String: String]
        var index: String
        var rowsBoundFrom: Int?
    }

    /// Reads the JSON form. Throws ``CryptoError/Code/invalidEncoding`` if it is not JSON or a key is not
    /// Base64, ``CryptoError/Code/invalidKeyring`` if a member is missing or of the wrong type or a version is
    /// not a canonical decimal number, and the keyring's own checks (``init(currentVersion:keys:indexKey:)``).
    public init(json: some Collection<UInt8>) throws(CryptoError) {
        guard json.count <= Self.maximumJSONByteCount else {
            throw CryptoError(.invalidKeyring, "keyring JSON is longer than \(Self.maximumJSONByteCount) bytes")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(json))
        } catch let DecodingError.keyNotFound(key, context) {
            throw CryptoError(.invalidKeyring, "keyring JSON has no member '\(Self.path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw CryptoError(
                .invalidKeyring, "keyring JSON member '\(Self.path(context.codingPath))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw CryptoError(.invalidKeyring, "keyring JSON member '\(Self.path(context.codingPath))' is null")
        } catch {
            // The decoder's message may quote the text around the error, which may be key material.
            throw CryptoError(.invalidEncoding, "keyring text is not a JSON object")
        }
        var keys: [Int: [UInt8]] = [:]
        for (name, text) in file.keys {
            guard let version = Self.version(name) else {
                throw CryptoError(.invalidKeyring, "keyring key name is not a canonical decimal version")
            }
            keys[version] = try Self.decodeKey(text, "data key version \(version)")
        }
        try self.init(
            currentVersion: file.current, keys: keys, indexKey: try Self.decodeKey(file.index, "blind-index key"),
            rowsBoundFrom: file.rowsBoundFrom)
    }

    /// Reads the JSON form from a string.
    public init(json: String) throws(CryptoError) {
        try self.init(json: Array(json.utf8))
    }

    /// Reads a key file holding the JSON form. Throws ``CryptoError/Code/keySourceUnavailable`` if the file
    /// cannot be opened or read, then as the JSON initializers.
    public init(contentsOfFile path: String) throws(CryptoError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CryptoError(.keySourceUnavailable, "cannot open the key file \(path)")
        }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: Self.maximumJSONByteCount + 1)
        } catch {
            throw CryptoError(.keySourceUnavailable, "cannot read the key file \(path)")
        }
        try self.init(json: data ?? Data())
    }

    /// Reads the JSON form from the environment variable `name`. Throws
    /// ``CryptoError/Code/keySourceUnavailable`` if it is unset or empty, then as the JSON initializers.
    public init(
        environmentVariable name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CryptoError) {
        guard let text = environment[name], !text.isEmpty else {
            throw CryptoError(.keySourceUnavailable, "the environment variable \(name) is unset or empty")
        }
        try self.init(json: text)
    }

    /// The JSON form, with sorted members, for writing a key file. It contains every key in the clear: write it
    /// only to a file that only the service can read, and never log it.
    public func jsonRepresentation() -> String {
        let file = File(
            current: currentVersion,
            keys: Dictionary(uniqueKeysWithValues: dataKeys.map { (String($0.key), Base64.encode($0.value)) }),
            index: Base64.encode(indexKey), rowsBoundFrom: rowsBoundFrom)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of an Int and Strings cannot fail.
        let data = try! encoder.encode(file)
        return String(decoding: data, as: UTF8.self)
    }

    private static func decodeKey(_ text: String, _ what: String) throws(CryptoError) -> [UInt8] {
        do {
            return try Base64.decode(text)
        } catch {
            throw CryptoError(.invalidEncoding, "\(what) is not standard padded Base64")
        }
    }

    /// A canonical decimal version: digits only, no leading zero, at most 3 digits.
    private static func version(_ text: String) -> Int? {
        let digits = Array(text.utf8)
        guard (1...3).contains(digits.count), digits[0] != UInt8(ascii: "0"),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(text)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
