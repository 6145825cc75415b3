import CQREncode

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The modules of one QR symbol, as libqrencode laid them out.
///
/// Guarantees: `width * width == modules.count`; `modules[row * width + column]` is true for a dark module;
/// the symbol was encoded at error correction level M, 8-bit mode, case-sensitive, with the smallest version
/// that holds the text. No quiet zone is included (``QRCode/png(for:scale:border:)`` adds it).
public struct QRMatrix: Sendable, Hashable {
    /// The symbol version, 1...40.
    public let version: Int
    /// Modules per side: 17 + 4 × version.
    public let width: Int
    /// Row-major, true = dark.
    public let modules: [Bool]

    /// The most bytes of text accepted (version 40 at level M holds 2331 bytes in 8-bit mode).
    public static let maxTextBytes = 2_331

    /// Encodes `text` (UTF-8) with libqrencode.
    /// - Throws: `QRCodeError` `.invalidText` (empty, contains NUL), `.textTooLong`, `.encoderFailed`.
    public init(encoding text: String) throws {
        guard !text.isEmpty else { throw QRCodeError(code: .invalidText, message: "the text is empty") }
        guard !text.utf8.contains(0) else {
            throw QRCodeError(code: .invalidText, message: "the text contains a NUL character")
        }
        guard text.utf8.count <= QRMatrix.maxTextBytes else {
            throw QRCodeError(
                code: .textTooLong, message: "\(text.utf8.count) bytes, at most \(QRMatrix.maxTextBytes)")
        }
        // The only call into libqrencode. QRcode_encodeString is thread-safe when the library is built with
        // pthread (as Debian and Ubuntu build it); the result is copied out and freed before returning.
        errno = 0
        guard let symbol = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            let error = errno
            if error == ERANGE {
                throw QRCodeError(code: .textTooLong, message: "the text does not fit a version 40 symbol")
            }
            throw QRCodeError(code: .encoderFailed, message: "QRcode_encodeString failed, errno \(error)")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        let version = Int(symbol.pointee.version)
        precondition(width == 17 + 4 * version && (1...40).contains(version), "libqrencode returned a bad symbol")
        let data = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        // Bit 0 of each byte is the module's colour (1 = dark); the other bits describe its role.
        self.init(version: version, width: width, modules: data.map { $0 & 1 == 1 })
    }

    /// A matrix from its parts (for tests and decoders).
    public init(version: Int, width: Int, modules: [Bool]) {
        precondition(modules.count == width * width, "a QR matrix is square")
        self.version = version
        self.width = width
        self.modules = modules
    }

    /// True when the module at (`row`, `column`) is dark.
    public func isDark(row: Int, column: Int) -> Bool { modules[row * width + column] }
}
