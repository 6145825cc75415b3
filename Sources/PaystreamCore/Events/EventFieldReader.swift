/// Reads the fields of one JSON object of an event, mapping every problem to its ``EventDecodingError`` code
/// and remembering which fields were read so that unknown ones can be refused.
struct EventFieldReader {
    private let members: [String: JSONValue]
    private let path: String
    /// The keys asked for, in order (an object has a handful: a list is cheaper than hashing each into a set).
    private var read: [String] = []

    init(_ value: JSONValue, path: String) throws(EventDecodingError) {
        guard case .object(let members) = value else {
            throw .invalidField(path.isEmpty ? "event" : path, "expected an object, found \(value.typeName)")
        }
        self.members = members
        self.path = path
    }

    func fieldName(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value of `key`, or nil when it is absent or null.
    mutating func optional(_ key: String) -> JSONValue? {
        read.append(key)
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    mutating func required(_ key: String) throws(EventDecodingError) -> JSONValue {
        guard let value = optional(key) else { throw .missingField(fieldName(key)) }
        return value
    }

    mutating func string(_ key: String) throws(EventDecodingError) -> String {
        let value = try required(key)
        guard case .string(let string) = value else {
            throw .invalidField(fieldName(key), "expected a string, found \(value.typeName)")
        }
        return string
    }

    mutating func optionalString(_ key: String) throws(EventDecodingError) -> String? {
        guard let value = optional(key) else { return nil }
        guard case .string(let string) = value else {
            throw .invalidField(fieldName(key), "expected a string, found \(value.typeName)")
        }
        return string
    }

    /// A positive integer number of fen, written as a plain integer token.
    mutating func amount(_ key: String) throws(EventDecodingError) -> Amount {
        let value = try required(key)
        guard case .number(let token) = value else {
            throw .invalidAmount(fieldName(key), "expected an integer number of fen, found \(value.typeName)")
        }
        guard let fen = JSONValue.integer(fromToken: token, as: Int64.self) else {
            throw .invalidAmount(fieldName(key), "\(token) is not an integer token within Int64 (no fraction, no exponent)")
        }
        guard fen > 0 else { throw .invalidAmount(fieldName(key), "\(token) fen is not more than zero") }
        return Amount(uncheckedFen: fen)
    }

    mutating func account(_ key: String, kinds: Set<AccountID.Kind>) throws(EventDecodingError) -> AccountID {
        let value = try required(key)
        guard case .string(let text) = value else {
            throw .invalidAccount(fieldName(key), "expected a kind:name string, found \(value.typeName)")
        }
        guard let account = AccountID(text) else { throw .invalidAccount(fieldName(key), "\"\(text)\" is not a valid account") }
        // The field's name is built only for an error (every call built it before, for every account read).
        if kinds.contains(account.kind) { return account }
        return try EventFieldRules.account(account, field: fieldName(key), kinds: kinds)
    }

    /// A string naming one case of `E` (a channel, a purpose, a destination type).
    mutating func choice<E: RawRepresentable>(_ key: String, as type: E.Type) throws(EventDecodingError) -> E
    where E.RawValue == String {
        let text = try string(key)
        guard let choice = E(rawValue: text) else {
            throw .invalidField(fieldName(key), "\"\(text)\" is not one of the accepted values")
        }
        return choice
    }

    mutating func channel(_ key: String) throws(EventDecodingError) -> Channel { try choice(key, as: Channel.self) }

    mutating func object(_ key: String) throws(EventDecodingError) -> EventFieldReader {
        try EventFieldReader(try required(key), path: fieldName(key))
    }

    /// Throws `event.invalid_field` when the object has a field nobody read.
    func finish() throws(EventDecodingError) {
        let unknown = members.keys.filter { !read.contains($0) }
        guard unknown.isEmpty else {
            let names = unknown.sorted().map(fieldName).joined(separator: ", ")
            throw .invalidField(names, "not a field of this event version")
        }
    }
}
