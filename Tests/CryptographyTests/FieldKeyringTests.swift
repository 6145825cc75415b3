import Cryptography
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct FieldKeyringTests {
    @Test func parsesTheKeyFileFormat() throws {
        let keyring = try FieldKeyFixtures.keyring()
        #expect(keyring.currentVersion == 2)
        #expect(keyring.versions == [1, 2])
        // Whitespace, member order and unknown members do not matter.
        let spaced = """
            {
              "index": "\(FieldKeyFixtures.index)",
              "comment": "rotated 2025-01-01",
              "keys": { "2": "\(FieldKeyFixtures.key2)", "1": "\(FieldKeyFixtures.key1)" },
              "current": 1
            }
            """
        let other = try FieldKeyring(json: spaced)
        #expect(other.currentVersion == 1)
        #expect(other.versions == [1, 2])
    }

    @Test func jsonRepresentationRoundTrips() throws {
        let keyring = try FieldKeyring.generate().addingGeneratedKey()
        let reloaded = try FieldKeyring(json: keyring.jsonRepresentation())
        #expect(reloaded.currentVersion == 2)
        #expect(reloaded.versions == [1, 2])
        let sealed = try FieldCipher(keyring: keyring).seal("13800138000", field: "users.phone")
        #expect(try FieldCipher(keyring: reloaded).open(sealed, field: "users.phone") == "13800138000")
        #expect(
            try FieldCipher(keyring: reloaded).blindIndex(field: "users.phone", value: "13800138000")
                == FieldCipher(keyring: keyring).blindIndex(field: "users.phone", value: "13800138000"))
        #expect(
            try FieldKeyFixtures.keyring().jsonRepresentation()
                == "{\"current\":2,\"index\":\"\(FieldKeyFixtures.index)\","
                + "\"keys\":{\"1\":\"\(FieldKeyFixtures.key1)\",\"2\":\"\(FieldKeyFixtures.key2)\"}}")
    }

    static let key31 = Base64.encode([UInt8](repeating: 7, count: 31))
    static let key33 = Base64.encode([UInt8](repeating: 7, count: 33))
    static let zeroKey = Base64.encode([UInt8](repeating: 0, count: 32))
    static let key1 = FieldKeyFixtures.key1
    static let key2 = FieldKeyFixtures.key2

    struct BadKeyFile: Sendable, CustomTestStringConvertible {
        let json: String
        let code: CryptoError.Code
        let testDescription: String
        init(_ json: String, _ code: CryptoError.Code, _ testDescription: String) {
            self.json = json
            self.code = code
            self.testDescription = testDescription
        }
    }

    static let malformed: [BadKeyFile] = [
        BadKeyFile("", .invalidEncoding, "empty"),
        BadKeyFile("not json", .invalidEncoding, "not JSON"),
        BadKeyFile("{\"current\": 1, \"keys\": {\"1\": \"\(key1)\"}", .invalidEncoding, "truncated JSON"),
        BadKeyFile("[]", .invalidKeyring, "an array"),
        BadKeyFile(
            "{\"keys\": {\"1\": \"\(key1)\"}, \"index\": \"\(FieldKeyFixtures.index)\"}",
            .invalidKeyring, "no current"),
        BadKeyFile("{\"current\": 1, \"keys\": {\"1\": \"\(key1)\"}}", .invalidKeyring, "no index"),
        BadKeyFile("{\"current\": 1, \"index\": \"\(FieldKeyFixtures.index)\"}", .invalidKeyring, "no keys"),
        BadKeyFile(FieldKeyFixtures.json(current: 1, keys: [:]), .invalidKeyring, "empty keys"),
        BadKeyFile(FieldKeyFixtures.json(current: 3), .invalidKeyring, "current version missing"),
        BadKeyFile(FieldKeyFixtures.json(current: 0), .invalidKeyring, "current version 0"),
        BadKeyFile(
            FieldKeyFixtures.json().replacingOccurrences(of: "\"current\": 2", with: "\"current\": \"2\""),
            .invalidKeyring, "current is a string"
        ),
        BadKeyFile(
            FieldKeyFixtures.json().replacingOccurrences(of: "\"current\": 2", with: "\"current\": null"),
            .invalidKeyring, "current is null"
        ),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key1, "2": key31]), .invalidLength, "31-byte key"),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key1, "2": key33]), .invalidLength, "33-byte key"),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key1, "2": ""]), .invalidLength, "empty key"),
        BadKeyFile(
            FieldKeyFixtures.json(index: Base64.encode([UInt8](repeating: 9, count: 16))),
            .invalidLength, "16-byte index key"),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key1, "2": zeroKey]), .invalidKey, "all-zero key"),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key1, "2": "not base64!"]), .invalidEncoding, "key not Base64"),
        BadKeyFile(
            FieldKeyFixtures.json(keys: ["1": key1, "2": "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8"]),
            .invalidEncoding, "key without padding"
        ),
        BadKeyFile(
            FieldKeyFixtures.json(index: "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"),
            .invalidEncoding, "index without padding"),
        BadKeyFile(
            FieldKeyFixtures.json(keys: ["1": key1, "2": key2, "02": key31]),
            .invalidKeyring, "version with a leading zero"),
        BadKeyFile(
            FieldKeyFixtures.json(keys: ["1": key1, "2": key2, "v3": key31]), .invalidKeyring, "version not a number"),
        BadKeyFile(
            FieldKeyFixtures.json(keys: ["1": key1, "2": key2, "-3": key31]), .invalidKeyring, "negative version"),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key1, "2": key2, "0": key31]), .invalidKeyring, "version 0"),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key1, "2": key2, "1000": key31]), .invalidKeyring, "version 1000"),
        BadKeyFile(FieldKeyFixtures.json(index: key1), .invalidKeyring, "index key equals data key 1"),
        BadKeyFile(FieldKeyFixtures.json(keys: ["1": key2, "2": key2]), .invalidKeyring, "two versions share a key"),
        BadKeyFile(
            String(repeating: " ", count: 70_000) + FieldKeyFixtures.json(), .invalidKeyring, "longer than 64 KiB"),
    ]

    @Test(arguments: malformed)
    func malformedKeyFilesThrowTypedErrors(_ bad: BadKeyFile) {
        let error = #expect(throws: CryptoError.self) { try FieldKeyring(json: bad.json) }
        #expect(error?.code == bad.code)
        // No message quotes key text.
        for key in FieldKeyFixtures.allKeyTexts + [Self.key31, Self.key33] {
            #expect(error.map { !$0.description.contains(key) } == true)
        }
    }

    @Test func loadsFromAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystream-keyring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("field-keys.json").path
        try FieldKeyFixtures.json().write(toFile: path, atomically: true, encoding: .utf8)

        let keyring = try FieldKeyring(contentsOfFile: path)
        #expect(keyring.versions == [1, 2])

        let missing = #expect(throws: CryptoError.self) {
            try FieldKeyring(contentsOfFile: directory.appendingPathComponent("absent.json").path)
        }
        #expect(missing?.code == .keySourceUnavailable)
        let isDirectory = #expect(throws: CryptoError.self) { try FieldKeyring(contentsOfFile: directory.path) }
        #expect(isDirectory?.code == .keySourceUnavailable)

        try "{\"current\": 1".write(toFile: path, atomically: true, encoding: .utf8)
        let broken = #expect(throws: CryptoError.self) { try FieldKeyring(contentsOfFile: path) }
        #expect(broken?.code == .invalidEncoding)
    }

    @Test func loadsFromAnEnvironmentVariable() throws {
        let keyring = try FieldKeyring(
            environmentVariable: "FIELD_KEYS", environment: ["FIELD_KEYS": FieldKeyFixtures.json()])
        #expect(keyring.versions == [1, 2])

        for environment in [[:], ["FIELD_KEYS": ""], ["OTHER": FieldKeyFixtures.json()]] {
            let error = #expect(throws: CryptoError.self) {
                try FieldKeyring(environmentVariable: "FIELD_KEYS", environment: environment)
            }
            #expect(error?.code == .keySourceUnavailable)
        }
        let broken = #expect(throws: CryptoError.self) {
            try FieldKeyring(
                environmentVariable: "FIELD_KEYS", environment: ["FIELD_KEYS": FieldKeyFixtures.json(current: 5)])
        }
        #expect(broken?.code == .invalidKeyring)

        // The process environment by default; a name no other test uses, since tests run in parallel.
        let name = "PAYSTREAM_TEST_FIELD_KEYS_\(UInt32.random(in: 0...UInt32.max))"
        setenv(name, FieldKeyFixtures.json(), 1)
        defer { unsetenv(name) }
        #expect(try FieldKeyring(environmentVariable: name).currentVersion == 2)
    }

    @Test func descriptionsAndReflectionNeverShowKeyBytes() throws {
        let keyring = try FieldKeyFixtures.keyring()
        let cipher = FieldCipher(keyring: keyring)
        var dumped = ""
        dump(keyring, to: &dumped)
        dump(cipher, to: &dumped)
        let texts = [
            keyring.description, keyring.debugDescription, String(describing: keyring), String(reflecting: keyring),
            "\(keyring)", cipher.description, String(reflecting: cipher), dumped,
        ]
        let keyBytes = try FieldKeyFixtures.allKeyTexts.map { try Base64.decode($0) }
        let forbidden =
            FieldKeyFixtures.allKeyTexts + keyBytes.map { Hex.encode($0) } + keyBytes.map { Base64URL.encode($0) }
            + keyBytes.map { "\($0.prefix(4))".dropLast().description }  // "[64, 65, 66, 67" from an array
        for text in texts {
            for secret in forbidden {
                #expect(!text.contains(secret), "\(text)")
            }
        }
        #expect(keyring.description == "FieldKeyring(current version 2, versions [1, 2])")
        #expect(dumped.split(separator: "\n").count < 16)
    }

    @Test func generatedKeyringsAreRandomAndValid() throws {
        let first = try FieldKeyring.generate()
        let second = try FieldKeyring.generate()
        #expect(first.currentVersion == 1 && first.versions == [1])
        let sealed = try FieldCipher(keyring: first).seal("张三", field: "users.real_name")
        let error = #expect(throws: CryptoError.self) {
            try FieldCipher(keyring: second).open(sealed, field: "users.real_name")
        }
        #expect(error?.code == .authenticationFailed)
        #expect(
            try FieldCipher(keyring: first).blindIndex(field: "f", value: "v")
                != FieldCipher(keyring: second).blindIndex(field: "f", value: "v"))
        #expect(try FieldKeyring.generate(version: 7).versions == [7])
        let error1000 = #expect(throws: CryptoError.self) { try FieldKeyring.generate(version: 1000) }
        #expect(error1000?.code == .invalidKeyring)
    }

    @Test func addingAndRemovingVersions() throws {
        let keyring = try FieldKeyFixtures.keyringVersion1()
        let rotated = try keyring.addingGeneratedKey()
        #expect(rotated.currentVersion == 2 && rotated.versions == [1, 2])
        let retired = try rotated.removingKey(version: 1)
        #expect(retired.versions == [2] && retired.currentVersion == 2)

        let current = #expect(throws: CryptoError.self) { try rotated.removingKey(version: 2) }
        #expect(current?.code == .invalidKeyring)
        let unknown = #expect(throws: CryptoError.self) { try rotated.removingKey(version: 5) }
        #expect(unknown?.code == .unknownKeyVersion)
    }

    @Test func rawKeysAreCheckedToo() {
        let key = [UInt8](repeating: 1, count: 32)
        let index = [UInt8](repeating: 2, count: 32)
        #expect(throws: Never.self) { try FieldKeyring(currentVersion: 1, keys: [1: key], indexKey: index) }
        let cases: [(Int, [Int: [UInt8]], [UInt8], CryptoError.Code)] = [
            (1, [1: key], key, .invalidKeyring),
            (1, [1: Array(key.prefix(31))], index, .invalidLength),
            (1, [1: key], Array(index.prefix(31)), .invalidLength),
            (2, [1: key], index, .invalidKeyring),
            (1, [:], index, .invalidKeyring),
            (1, [1: key, 1000: [UInt8](repeating: 3, count: 32)], index, .invalidKeyring),
        ]
        for (current, keys, indexKey, code) in cases {
            let error = #expect(throws: CryptoError.self) {
                try FieldKeyring(currentVersion: current, keys: keys, indexKey: indexKey)
            }
            #expect(error?.code == code)
        }
    }

    /// A keys file replaced under a running API is taken only if it keeps every key of the one in force and its
    /// blind-index key: a rotation's successor is, a file that dropped a version, changed a key or came from another
    /// deployment is not.
    @Test func aSuccessorKeepsEveryKeyAndTheIndexKey() throws {
        let first = try FieldKeyring.generate()
        let rotated = try first.addingGeneratedKey()
        #expect(rotated.succeeds(first))
        #expect(first.succeeds(first))
        #expect(try rotated.bindingRowsUnderEveryVersion().succeeds(rotated))
        #expect(!first.succeeds(rotated), "version 2 missing")
        #expect(!(try rotated.removingKey(version: 1)).succeeds(rotated), "version 1 dropped")
        #expect(!(try FieldKeyring.generate()).succeeds(first), "another deployment's keys")
        // The same version with another key, and the same data keys with another blind-index key.
        let index = [UInt8](repeating: 7, count: 32)
        let a = try FieldKeyring(currentVersion: 1, keys: [1: [UInt8](repeating: 1, count: 32)], indexKey: index)
        let changedKey = try FieldKeyring(currentVersion: 1, keys: [1: [UInt8](repeating: 2, count: 32)], indexKey: index)
        let changedIndex = try FieldKeyring(currentVersion: 1, keys: [1: [UInt8](repeating: 1, count: 32)], indexKey: [UInt8](repeating: 8, count: 32))
        #expect(!changedKey.succeeds(a) && !changedIndex.succeeds(a))
    }
}
