import Foundation
import TestSupport

/// One JSON file from ../shared/vectors with typed access that names the missing field.
struct Vector {
    struct MissingField: Error, CustomStringConvertible {
        let path: String
        var description: String { "vector has no string/object field '\(path)'" }
    }

    let name: String
    let fields: [String: Any]

    init(_ name: String) throws {
        self.name = name
        self.fields = try TestEnvironment.vector(name)
    }

    init(name: String, fields: [String: Any]) {
        self.name = name
        self.fields = fields
    }

    func string(_ key: String) throws -> String {
        guard let value = fields[key] as? String else { throw MissingField(path: "\(name).\(key)") }
        return value
    }

    func bytes(_ key: String) throws -> [UInt8] { Array(try string(key).utf8) }

    func object(_ key: String) throws -> Vector {
        guard let value = fields[key] as? [String: Any] else { throw MissingField(path: "\(name).\(key)") }
        return Vector(name: "\(name).\(key)", fields: value)
    }

    func stringMap(_ key: String) throws -> [String: String] {
        guard let value = fields[key] as? [String: Any] else { throw MissingField(path: "\(name).\(key)") }
        var result: [String: String] = [:]
        for (field, item) in value {
            guard let text = item as? String else { throw MissingField(path: "\(name).\(key).\(field)") }
            result[field] = text
        }
        return result
    }

    /// A JSON text field parsed as an object.
    func json(_ key: String) throws -> Vector {
        guard let object = try JSONSerialization.jsonObject(with: Data(try string(key).utf8)) as? [String: Any] else {
            throw MissingField(path: "\(name).\(key) (as JSON object)")
        }
        return Vector(name: "\(name).\(key)", fields: object)
    }
}

extension Array where Element == UInt8 {
    /// A copy with the byte at `index` changed (a one-byte tamper).
    func tampered(at index: Int) -> [UInt8] {
        var copy = self
        copy[index] = copy[index] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        return copy
    }
}

struct MissingValue: Error, CustomStringConvertible {
    let what: String
    var description: String { "missing \(what)" }
}

/// `value`, or a thrown error naming `what` (usable inside `#require`/`#expect`, unlike a nested `#require`).
func need<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw MissingValue(what: what) }
    return value
}
