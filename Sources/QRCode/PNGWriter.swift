/// A minimal PNG encoder for bilevel images (what a QR code needs), written without an image library.
///
/// Guarantees: output follows the PNG specification (ISO/IEC 15948): the 8-byte signature; IHDR (bit depth 1,
/// colour type 0 = grayscale, no interlace); one IDAT holding a zlib stream (RFC 1950) of stored deflate
/// blocks (RFC 1951, BTYPE 00, at most 65,535 bytes each) ending with the Adler-32 of the raw data; IEND.
/// Every chunk carries the CRC-32 of its type and data. Each scanline is filter type 0 (None).
enum PNGWriter {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `rows` are `height` packed scanlines of `(width + 7) / 8` bytes, most significant bit first, 1 = white.
    static func bilevel(width: Int, height: Int, rows: [[UInt8]]) -> [UInt8] {
        precondition(width > 0 && height > 0 && rows.count == height, "one packed row per image row")
        precondition(rows.allSatisfy { $0.count == (width + 7) / 8 }, "rows are (width + 7) / 8 bytes")
        var header: [UInt8] = []
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(height))
        header += [1, 0, 0, 0, 0]  // bit depth 1, grayscale, deflate, adaptive filtering, no interlace
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + (width + 7) / 8))
        for row in rows {
            raw.append(0)  // filter type None
            raw += row
        }
        var png = signature
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlibStored(raw))
        png += chunk("IEND", [])
        return png
    }

    /// length, type, data, CRC-32(type + data).
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        precondition(typeBytes.count == 4, "chunk types are four letters")
        var checksum = CRC32()
        checksum.update(typeBytes)
        checksum.update(data)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(checksum.value)
    }

    /// A zlib stream (CMF 0x78 = deflate with a 32 KiB window, FLG 0x01 = no dictionary, fastest; the pair is
    /// a multiple of 31) of stored blocks, then the big-endian Adler-32 of `data`.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out.reserveCapacity(data.count + data.count / 65_535 * 5 + 11)
        var start = 0
        repeat {
            let end = min(start + 65_535, data.count)
            let length = UInt16(end - start)
            out.append(end == data.count ? 1 : 0)  // BFINAL, BTYPE = 00 (stored)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        out += bigEndian(Adler32.checksum(data))
        return out
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

/// CRC-32 as PNG and zlib define it (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF).
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    private var state: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: [UInt8]) {
        for byte in bytes {
            state = CRC32.table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8)
        }
    }

    var value: UInt32 { state ^ 0xFFFF_FFFF }
}

/// Adler-32 (RFC 1950): two sums modulo 65521.
enum Adler32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            // 5552 bytes is the most that can be summed before b could overflow 32 bits.
            let end = min(index + 5_552, bytes.count)
            while index < end {
                a += UInt32(bytes[index])
                b += a
                index += 1
            }
            a %= 65_521
            b %= 65_521
        }
        return (b << 16) | a
    }
}
