import Cryptography

/// Fixed keys for the field-encryption tests: data key 1 is the bytes 0x40...0x5f, data key 2 is 0x60...0x7f,
/// the index key is 0x01...0x20 (standard Base64 below).
enum FieldKeyFixtures {
    static let key1 = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="
    static let key2 = "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8="
    static let index = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    static let allKeyTexts = [key1, key2, index]

    static func json(current: Int = 2, keys: [String: String] = ["1": key1, "2": key2], index: String = index)
        -> String
    {
        let members = keys.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }
        return "{\"current\": \(current), \"keys\": {\(members.joined(separator: ", "))}, \"index\": \"\(index)\"}"
    }

    /// Versions 1 and 2, current 2.
    static func keyring() throws -> FieldKeyring { try FieldKeyring(json: json()) }

    /// Only version 1.
    static func keyringVersion1() throws -> FieldKeyring {
        try FieldKeyring(json: json(current: 1, keys: ["1": key1]))
    }
}
