import Foundation
import TestSupport

/// One JSON file from ../shared/vectors, with typed access that fails the test with the field's name.
struct VectorFile {
    struct MissingField: Error, CustomStringConvertible {
        let file: String
        let path: String
        var description: String { "\(file): no string/object field '\(path)'" }
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
        guard let value = fields[key] as? String else { throw MissingField(file: name, path: key) }
        return value
    }

    func object(_ key: String) throws -> VectorFile {
        guard let value = fields[key] as? [String: Any] else { throw MissingField(file: name, path: key) }
        return VectorFile(name: "\(name).\(key)", fields: value)
    }

    /// A flat object of strings, e.g. request or notify parameters.
    func stringMap(_ key: String) throws -> [String: String] {
        guard let value = fields[key] as? [String: Any] else { throw MissingField(file: name, path: key) }
        var result: [String: String] = [:]
        for (field, item) in value {
            guard let text = item as? String else { throw MissingField(file: name, path: "\(key).\(field)") }
            result[field] = text
        }
        return result
    }

    /// Parses a JSON text field (e.g. an HTTP body) as an object.
    func json(_ key: String) throws -> VectorFile {
        let text = try string(key)
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw MissingField(file: name, path: "\(key) (as JSON object)")
        }
        return VectorFile(name: "\(name).\(key)", fields: object)
    }

    func firstOfArray(_ key: String) throws -> VectorFile {
        guard let array = fields[key] as? [[String: Any]], let first = array.first else {
            throw MissingField(file: name, path: "\(key)[0]")
        }
        return VectorFile(name: "\(name).\(key)[0]", fields: first)
    }
}
