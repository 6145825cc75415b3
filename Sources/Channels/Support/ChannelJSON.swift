import Foundation
import PaystreamCore

/// JSON in and out of the channel clients.
///
/// Guarantees: answers are decoded with `StrictJSONDecoder`, so an amount is only ever read from an integer token
/// (a float, `1e3`, a string or a negative number for a fen field fails), duplicate keys are refused and sizes are
/// bounded; request bodies are encoded with sorted keys and unescaped slashes, and the exact bytes encoded are the
/// bytes signed and sent.
enum ChannelJSON {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try StrictJSONDecoder(maxInputBytes: 8 << 20, maxDepth: 32).decode(type, from: bytes)
    }

    /// A short description of a decoding failure (the coding path and the reason), without the document.
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(type(of: error))" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch decoding {
        case .keyNotFound(let key, let context): return "missing \(path(context)).\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(decoding)"
        }
    }
}

/// The exact text of the members of a JSON object, as they appear in the bytes (Alipay signs the raw text of
/// its `<method>_response` value).
///
/// Guarantees: only a document that is a single JSON object with unique keys at the top level is scanned (the
/// caller validates the whole document with `StrictJSONDecoder` first); each value's bytes are returned exactly as
/// received, with no re-serialisation.
enum JSONMemberScanner {
    struct Malformed: Error {}

    /// The top-level members as (decoded key, raw value bytes).
    static func topLevelMembers(_ bytes: [UInt8]) throws(Malformed) -> [(key: String, raw: ArraySlice<UInt8>)] {
        var index = skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw Malformed() }
        index = skipSpace(bytes, index + 1)
        var members: [(key: String, raw: ArraySlice<UInt8>)] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return members }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Malformed() }
            let keyEnd = try skipString(bytes, index)
            guard let key = try? ChannelJSON.decode(String.self, from: Array(bytes[index..<keyEnd])) else {
                throw Malformed()
            }
            index = skipSpace(bytes, keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Malformed() }
            let valueStart = skipSpace(bytes, index + 1)
            let valueEnd = try skipValue(bytes, valueStart)
            members.append((key, bytes[valueStart..<valueEnd]))
            index = skipSpace(bytes, valueEnd)
            guard index < bytes.count else { throw Malformed() }
            if bytes[index] == UInt8(ascii: "}") { return members }
            guard bytes[index] == UInt8(ascii: ",") else { throw Malformed() }
            index = skipSpace(bytes, index + 1)
        }
    }

    private static func skipSpace(_ b: [UInt8], _ start: Int) -> Int {
        var i = start
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i
    }

    /// `start` is at a `"`; returns the index after the closing quote.
    private static func skipString(_ b: [UInt8], _ start: Int) throws(Malformed) -> Int {
        var i = start + 1
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i + 1
            default: i += 1
            }
        }
        throw Malformed()
    }

    private static func skipValue(_ b: [UInt8], _ start: Int) throws(Malformed) -> Int {
        guard start < b.count else { throw Malformed() }
        switch b[start] {
        case UInt8(ascii: "\""): return try skipString(b, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var i = start
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\""): i = try skipString(b, i); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            throw Malformed()
        default:
            var i = start
            while i < b.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09]
                .contains(b[i])
            {
                i += 1
            }
            guard i > start else { throw Malformed() }
            return i
        }
    }
}
