/// A failure of the risk module: what went wrong (`code`), the details (`message`), whether the same call may
/// succeed later (`isRetriable`) and where it was thrown.
///
/// Guarantees: a refused request is never an error (it is a ``RiskDecision`` with outcome `.refused`); errors
/// mean no decision was made. Redis failures are not wrapped: `RiskEngine` rethrows the `RedisError` as is,
/// and because `check` is idempotent per request id a caller may retry it after a retriable one.
public struct RiskError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable, Hashable {
        /// The rules file (or an in-memory rule set) is malformed; the message names the place.
        case invalidRules
        /// The request carries something the engine refuses to store in a key (bad request id, subject id,
        /// action or scope name).
        case invalidRequest
        /// A request id already decided is checked again with a different action, amount or subjects.
        case requestIDReused
        /// Redis answered the decision script with something this module cannot interpret.
        case unexpectedReply
    }

    public let code: Code
    public let message: String
    public let isRetriable: Bool
    public let file: String
    public let line: UInt

    public init(code: Code, message: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.isRetriable = false
        self.file = file
        self.line = line
    }

    public var description: String { "RiskError.\(code.rawValue): \(message) [\(file):\(line)]" }
}
