/// QR codes as PNG images, for WeChat `code_url`s, Alipay QR strings and merchants' collection codes.
///
/// Guarantees: the symbol comes from libqrencode (error correction level M); the image is a valid PNG
/// (signature, IHDR, one IDAT with a zlib stream, IEND; every chunk's CRC-32 and the stream's Adler-32 are
/// correct) of 1-bit grayscale pixels, black modules on white, each module `scale` × `scale` pixels, with a
/// white quiet zone of `border` modules on every side: the side is (modules + 2 × border) × scale pixels.
/// Output depends only on the inputs (no time stamps or metadata chunks).
public enum QRCode {
    /// Largest accepted `scale` (pixels per module).
    public static let maxScale = 32
    /// Largest accepted `border` (quiet-zone modules).
    public static let maxBorder = 16
    /// Largest image side in pixels.
    public static let maxSidePixels = 4_096

    /// Encodes `text` and renders it as a PNG.
    /// - Parameters:
    ///   - scale: pixels per module, 1...32.
    ///   - border: quiet-zone modules on each side, 0...16 (scanners expect at least 4).
    /// - Throws: `QRCodeError` (see ``QRMatrix/init(encoding:)``; `.invalidRendering` for `scale`, `border` or
    ///   an image side above ``maxSidePixels``).
    public static func png(for text: String, scale: Int = 8, border: Int = 4) throws -> [UInt8] {
        try png(of: QRMatrix(encoding: text), scale: scale, border: border)
    }

    /// Renders an already encoded matrix as a PNG (see ``png(for:scale:border:)``).
    public static func png(of matrix: QRMatrix, scale: Int = 8, border: Int = 4) throws -> [UInt8] {
        guard (1...maxScale).contains(scale) else {
            throw QRCodeError(code: .invalidRendering, message: "scale \(scale) is outside 1...\(maxScale)")
        }
        guard (0...maxBorder).contains(border) else {
            throw QRCodeError(code: .invalidRendering, message: "border \(border) is outside 0...\(maxBorder)")
        }
        let side = (matrix.width + 2 * border) * scale
        guard side <= maxSidePixels else {
            throw QRCodeError(
                code: .invalidRendering, message: "a \(side) px image is larger than \(maxSidePixels) px")
        }
        return PNGWriter.bilevel(width: side, height: side, rows: rasterRows(matrix, scale: scale, border: border))
    }

    /// Packed 1-bit rows, most significant bit first, 1 = white, padding bits white.
    static func rasterRows(_ matrix: QRMatrix, scale: Int, border: Int) -> [[UInt8]] {
        let modulesPerSide = matrix.width + 2 * border
        let side = modulesPerSide * scale
        let rowBytes = (side + 7) / 8
        var rows: [[UInt8]] = []
        rows.reserveCapacity(side)
        for moduleRow in 0..<modulesPerSide {
            var row = [UInt8](repeating: 0xFF, count: rowBytes)
            let symbolRow = moduleRow - border
            if symbolRow >= 0 && symbolRow < matrix.width {
                for symbolColumn in 0..<matrix.width where matrix.isDark(row: symbolRow, column: symbolColumn) {
                    let firstPixel = (symbolColumn + border) * scale
                    for pixel in firstPixel..<(firstPixel + scale) {
                        row[pixel / 8] &= ~(UInt8(0x80) >> UInt8(pixel % 8))
                    }
                }
            }
            for _ in 0..<scale { rows.append(row) }
        }
        return rows
    }
}
