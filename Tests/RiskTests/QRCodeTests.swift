import Foundation
import QRCode
import Testing

/// QR code PNGs, checked by an independent reader written here (bitwise CRC-32, naive Adler-32, stored-block
/// inflater): structure, checksums, size, and that the pixels reproduce libqrencode's modules exactly.
@Suite struct QRCodeTests {
    static let texts = [
        "weixin://wxpay/bizpayurl?pr=Qx1y2z3",
        "https://qr.alipay.com/bax08431kvzqvjlhdqfe0062",
        "paystream:collect:merchant=m-1;amount=12.34;备注=红包 🧧",
        String(repeating: "0123456789abcdef", count: 60),
    ]

    @Test(arguments: texts)
    func pngIsWellFormedAndRoundTrips(text: String) throws {
        let matrix = try QRMatrix(encoding: text)
        #expect(matrix.width == 17 + 4 * matrix.version)
        try expectFinderPatterns(matrix)
        for (scale, border) in [(8, 4), (1, 0), (3, 2)] {
            let png = try QRCode.png(for: text, scale: scale, border: border)
            let image = try DecodedPNG(png)
            #expect(image.width == (matrix.width + 2 * border) * scale)
            #expect(image.height == image.width)
            #expect(image.bitDepth == 1 && image.colourType == 0 && image.interlace == 0)
            #expect(image.chunkTypes == ["IHDR", "IDAT", "IEND"])
            #expect(try image.modules(scale: scale, border: border) == matrix)
        }
    }

    @Test func defaultsAreScaleEightBorderFour() throws {
        let text = "weixin://wxpay/bizpayurl?pr=Qx1y2z3"
        let image = try DecodedPNG(try QRCode.png(for: text))
        #expect(image.width == (try QRMatrix(encoding: text).width + 8) * 8)
    }

    @Test func largeImagesSpanSeveralStoredBlocks() throws {
        let text = String(repeating: "x", count: 1_000)
        let png = try QRCode.png(for: text, scale: 20, border: 4)
        let image = try DecodedPNG(png)
        #expect(image.storedBlocks > 1)
        #expect(try image.modules(scale: 20, border: 4) == QRMatrix(encoding: text))
    }

    @Test func badInputsAreRefused() {
        func code(_ body: () throws -> Any) -> QRCodeError.Code? {
            do { _ = try body() } catch let error as QRCodeError { return error.code } catch {}
            return nil
        }
        #expect(code { try QRCode.png(for: "") } == .invalidText)
        #expect(code { try QRCode.png(for: "a\u{0}b") } == .invalidText)
        #expect(code { try QRCode.png(for: String(repeating: "x", count: 2_332)) } == .textTooLong)
        // 2,300 bytes still fit (version 40-M holds 2,331 in 8-bit mode).
        #expect(code { try QRMatrix(encoding: String(repeating: "x", count: 2_300)).version } == nil)
        #expect(code { try QRCode.png(for: "a", scale: 0) } == .invalidRendering)
        #expect(code { try QRCode.png(for: "a", border: -1) } == .invalidRendering)
        #expect(code { try QRCode.png(for: String(repeating: "x", count: 2_000), scale: 32) } == .invalidRendering)
    }

    /// The three 7×7 finder patterns: a dark ring, a light ring, a dark 3×3 centre.
    private func expectFinderPatterns(_ matrix: QRMatrix) throws {
        for (top, left) in [(0, 0), (0, matrix.width - 7), (matrix.width - 7, 0)] {
            for row in 0..<7 {
                for column in 0..<7 {
                    let ring = max(abs(row - 3), abs(column - 3))
                    #expect(matrix.isDark(row: top + row, column: left + column) == (ring != 2))
                }
            }
        }
    }
}

/// A strict reader for the PNGs QRCode writes, independent of its implementation.
struct DecodedPNG {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    var width = 0
    var height = 0
    var bitDepth = 0
    var colourType = 0
    var interlace = 0
    var chunkTypes: [String] = []
    var storedBlocks = 0
    /// Unfiltered rows of packed 1-bit pixels.
    var rows: [[UInt8]] = []

    init(_ png: [UInt8]) throws {
        guard png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Malformed(description: "signature") }
        var offset = 8
        var idat: [UInt8] = []
        while offset < png.count {
            let length = Int(Self.uint32(png, offset))
            let type = Array(png[(offset + 4)..<(offset + 8)])
            let data = Array(png[(offset + 8)..<(offset + 8 + length)])
            guard Self.uint32(png, offset + 8 + length) == Self.bitwiseCRC32(type + data) else {
                throw Malformed(description: "CRC of \(String(decoding: type, as: UTF8.self))")
            }
            let name = String(decoding: type, as: UTF8.self)
            chunkTypes.append(name)
            if name == "IHDR" {
                width = Int(Self.uint32(data, 0))
                height = Int(Self.uint32(data, 4))
                (bitDepth, colourType, interlace) = (Int(data[8]), Int(data[9]), Int(data[12]))
                guard data[10] == 0 && data[11] == 0 else { throw Malformed(description: "compression/filter") }
            }
            if name == "IDAT" { idat += data }
            offset += 12 + length
        }
        guard offset == png.count, chunkTypes.last == "IEND" else { throw Malformed(description: "trailing data") }
        // zlib: header, stored blocks, Adler-32.
        guard idat.count >= 6, idat[0] & 0x0F == 8, (Int(idat[0]) * 256 + Int(idat[1])) % 31 == 0, idat[1] & 0x20 == 0 else {
            throw Malformed(description: "zlib header")
        }
        var raw: [UInt8] = []
        var position = 2
        var final = false
        while !final {
            let header = idat[position]
            final = header & 1 == 1
            guard header >> 1 & 3 == 0 else { throw Malformed(description: "not a stored block") }
            let length = Int(idat[position + 1]) | Int(idat[position + 2]) << 8
            let complement = Int(idat[position + 3]) | Int(idat[position + 4]) << 8
            guard length ^ complement == 0xFFFF else { throw Malformed(description: "NLEN") }
            raw += idat[(position + 5)..<(position + 5 + length)]
            position += 5 + length
            storedBlocks += 1
        }
        guard position + 4 == idat.count, Self.uint32(idat, position) == Self.naiveAdler32(raw) else {
            throw Malformed(description: "Adler-32")
        }
        let rowBytes = (width + 7) / 8
        guard raw.count == height * (rowBytes + 1) else { throw Malformed(description: "image data size") }
        for row in 0..<height {
            let start = row * (rowBytes + 1)
            guard raw[start] == 0 else { throw Malformed(description: "filter type \(raw[start])") }
            rows.append(Array(raw[(start + 1)..<(start + 1 + rowBytes)]))
        }
    }

    func isBlack(x: Int, y: Int) -> Bool { rows[y][x / 8] & (0x80 >> UInt8(x % 8)) == 0 }

    /// Reads modules back, requiring every pixel of a module to share its colour and the border to be white.
    func modules(scale: Int, border: Int) throws -> QRMatrix {
        let side = width / scale - 2 * border
        guard width % scale == 0, side > 0 else { throw Malformed(description: "size not a multiple of scale") }
        var modules: [Bool] = []
        for moduleRow in 0..<(side + 2 * border) {
            for moduleColumn in 0..<(side + 2 * border) {
                let dark = isBlack(x: moduleColumn * scale, y: moduleRow * scale)
                for y in (moduleRow * scale)..<((moduleRow + 1) * scale) {
                    for x in (moduleColumn * scale)..<((moduleColumn + 1) * scale) where isBlack(x: x, y: y) != dark {
                        throw Malformed(description: "module \(moduleRow),\(moduleColumn) is not uniform")
                    }
                }
                let inside = (border..<(border + side)).contains(moduleRow) && (border..<(border + side)).contains(moduleColumn)
                if !inside && dark { throw Malformed(description: "dark pixel in the quiet zone") }
                if inside { modules.append(dark) }
            }
        }
        return QRMatrix(version: (side - 17) / 4, width: side, modules: modules)
    }

    static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func bitwiseCRC32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func naiveAdler32(_ bytes: [UInt8]) -> UInt32 {
        var (a, b): (UInt32, UInt32) = (1, 0)
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
