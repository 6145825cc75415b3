/// One reply from a Redis server (RESP2), copied out of the C library's memory.
///
/// Guarantees: bulk strings are binary safe (every byte, including 0x00, is kept); a top-level error reply
/// is never a `RedisValue` (it is thrown as `RedisError` with code `.server`). `.error` only appears nested
/// inside an array — for example in the results of EXEC, where one queued command failed and others ran.
public enum RedisValue: Sendable, Hashable {
    /// A nil bulk string or nil array (`$-1`, `*-1`): GET of a missing key, BLPOP that timed out.
    case null
    /// An integer reply (`:42`).
    case integer(Int64)
    /// A bulk string, as bytes (`$3\r\nabc`).
    case bulkString([UInt8])
    /// A simple status reply (`+OK`, `+PONG`, `+QUEUED`).
    case status(String)
    /// An array reply, possibly nested.
    case array([RedisValue])
    /// An error reply nested inside an array (never at the top level, see above).
    case error(String)

    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulk(_ text: String) -> RedisValue { .bulkString(Array(text.utf8)) }

    /// The text of a bulk string (nil if its bytes are not valid UTF-8) or of a status reply; nil otherwise.
    public var string: String? {
        switch self {
        case .bulkString(let bytes): return String(validating: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }

    /// The bytes of a bulk string; nil for every other kind of reply.
    public var bytes: [UInt8]? {
        if case .bulkString(let bytes) = self { return bytes }
        return nil
    }

    /// The value of an integer reply; nil for every other kind (a bulk string "42" is not converted).
    public var int64: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of an array reply; nil for every other kind.
    public var elements: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }
}
