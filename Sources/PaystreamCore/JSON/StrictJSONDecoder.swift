import Foundation

/// Decodes `Decodable` values from JSON while keeping every number's raw token in view.
///
/// Guarantees beyond RFC 8259 validity:
/// - an integer type (`Int64`, `Int`, …, and therefore ``Amount``) is produced only from a token matching
///   `-?(0|[1-9][0-9]*)` that fits the type: `12.5`, `1e3`, `12.0`, `-0`, `"12"` and out-of-range values are
///   refused, where Foundation's `JSONDecoder` would silently turn `1e3` into 1000 and `12.0` into 12;
/// - duplicate object keys, raw control characters, invalid UTF-8, unpaired surrogates, nesting deeper than
///   `maxDepth` and inputs longer than `maxInputBytes` are refused;
/// - errors are `DecodingError`s with the coding path of the offending value.
public struct StrictJSONDecoder: Sendable {
    /// Inputs longer than this are refused before parsing.
    public var maxInputBytes: Int
    /// Arrays and objects nested deeper than this are refused.
    public var maxDepth: Int

    public init(maxInputBytes: Int = 1 << 20, maxDepth: Int = 32) {
        self.maxInputBytes = maxInputBytes
        self.maxDepth = maxDepth
    }

    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value: JSONValue
        do throws(JSONParser.Failure) {
            value = try JSONParser.parse(bytes, maxBytes: maxInputBytes, maxDepth: maxDepth)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "malformed JSON at byte \(error.offset): \(error.message)"))
        }
        return try T(from: StrictValueDecoder(value: value, codingPath: []))
    }

    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(type, from: [UInt8](data))
    }
}

/// A `Decoder` over one ``JSONValue``.
struct StrictValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw DecodingError.typeMismatch(
                [String: Any].self,
                .init(codingPath: codingPath, debugDescription: "expected an object, found \(value.typeName)"))
        }
        return KeyedDecodingContainer(StrictKeyedContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw DecodingError.typeMismatch(
                [Any].self, .init(codingPath: codingPath, debugDescription: "expected an array, found \(value.typeName)"))
        }
        return StrictUnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        StrictSingleValueContainer(value: value, codingPath: codingPath)
    }
}

/// A coding key for array positions in coding paths.
struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(intValue: Int) {
        self.intValue = intValue
        self.stringValue = "Index \(intValue)"
    }
    init?(stringValue: String) { nil }
}

struct StrictSingleValueContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]

    private func context(_ message: String) -> DecodingError.Context {
        .init(codingPath: codingPath, debugDescription: message)
    }

    private func nonNull<T>(_ type: T.Type) throws -> JSONValue {
        if case .null = value { throw DecodingError.valueNotFound(type, context("expected \(type), found null")) }
        return value
    }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = try nonNull(type) else {
            throw DecodingError.typeMismatch(type, context("expected a boolean, found \(value.typeName)"))
        }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let string) = try nonNull(type) else {
            throw DecodingError.typeMismatch(type, context("expected a string, found \(value.typeName)"))
        }
        return string
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let token) = try nonNull(type) else {
            throw DecodingError.typeMismatch(type, context("expected a number, found \(value.typeName)"))
        }
        guard let double = Double(token), double.isFinite else {
            throw DecodingError.dataCorrupted(context("number \(token) does not fit in Double"))
        }
        return double
    }

    func decode(_ type: Float.Type) throws -> Float {
        guard case .number(let token) = try nonNull(type) else {
            throw DecodingError.typeMismatch(type, context("expected a number, found \(value.typeName)"))
        }
        guard let float = Float(token), float.isFinite else {
            throw DecodingError.dataCorrupted(context("number \(token) does not fit in Float"))
        }
        return float
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let token) = try nonNull(type) else {
            throw DecodingError.typeMismatch(type, context("expected an integer, found \(value.typeName)"))
        }
        guard let integer = JSONValue.integer(fromToken: token, as: type) else {
            throw DecodingError.dataCorrupted(
                context("number token \(token) is not an integer of \(type) (only -?(0|[1-9][0-9]*) is accepted)"))
        }
        return integer
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: StrictValueDecoder(value: value, codingPath: codingPath))
    }
}

struct StrictKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func single(_ key: Key) throws -> StrictSingleValueContainer {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "missing key \"\(key.stringValue)\""))
        }
        return StrictSingleValueContainer(value: value, codingPath: codingPath + [key])
    }

    private func decoder(_ key: Key) throws -> StrictValueDecoder {
        let container = try single(key)
        return StrictValueDecoder(value: container.value, codingPath: container.codingPath)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try single(key).decodeNil() }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try single(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try single(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try single(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try single(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try single(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try single(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try single(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try single(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try single(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try single(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try single(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try single(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try single(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try single(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try single(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        StrictValueDecoder(value: members["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(key) }
}

struct StrictUnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> StrictValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "unkeyed container is at its end"))
        }
        let decoder = StrictValueDecoder(
            value: elements[currentIndex], codingPath: codingPath + [IndexKey(intValue: currentIndex)])
        currentIndex += 1
        return decoder
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "unkeyed container is at its end"))
        }
        if elements[currentIndex] == .null {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}
