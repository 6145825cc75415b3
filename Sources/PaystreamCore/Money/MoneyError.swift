/// Why a money value could not be made: a malformed decimal string, a negative amount, or arithmetic that
/// would leave the range of `Int64` fen.
///
/// Guarantees: `code` is one of a small, stable set of machine-readable strings (`amount.malformed`,
/// `amount.negative`, `amount.overflow`); `message` is for humans and may change.
public struct MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable machine-readable code, e.g. `amount.overflow`.
    public let code: String
    /// Human-readable detail.
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func malformed(_ message: String) -> MoneyError { MoneyError(code: "amount.malformed", message: message) }
    static func negative(_ message: String) -> MoneyError { MoneyError(code: "amount.negative", message: message) }
    static func overflow(_ message: String) -> MoneyError { MoneyError(code: "amount.overflow", message: message) }
}
