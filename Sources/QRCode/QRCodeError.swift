/// Why a QR code could not be made.
///
/// Guarantees: thrown before any output is produced; `code` tells the caller whether the input (`.invalidText`,
/// `.textTooLong`, `.invalidRendering`) or the library (`.encoderFailed`) is at fault.
public struct QRCodeError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable, Hashable {
        /// Empty text, or text containing a NUL character.
        case invalidText
        /// More than a version 40 symbol at error correction level M holds.
        case textTooLong
        /// `scale` or `border` outside their ranges, or an image larger than the maximum side.
        case invalidRendering
        /// libqrencode failed for another reason (out of memory); the message carries errno.
        case encoderFailed
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "QRCodeError.\(code.rawValue): \(message)" }
}
