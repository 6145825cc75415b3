import Foundation

/// The files of a zip archive (PKWARE APPNOTE: central directory, stored or deflated entries), as channels serve
/// their bills (Alipay's `.csv.zip`).
///
/// Guarantees: entries are found through the central directory (so data descriptors do not matter); only
/// methods 0 (stored) and 8 (deflate) are read; every entry's CRC-32 and size are checked; an entry larger
/// than `limit` bytes, a truncated or inconsistent archive, encryption or ZIP64 is refused with
/// ``BillFormatError``. Names are UTF-8 when the archive says so (flag bit 11), else GB18030 (as Chinese
/// software writes them), else as they are.
struct ZipArchive {
    struct Entry {
        var name: String
        var contents: [UInt8]
    }

    var entries: [Entry]

    static func isZip(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    init(_ bytes: [UInt8], limit: Int = 64 << 20) throws(BillFormatError) {
        func u16(_ at: Int) throws(BillFormatError) -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw BillFormatError("zip: cut short") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws(BillFormatError) -> Int { try u16(at) | (try u16(at + 2)) << 16 }

        // The end of central directory record: 22 bytes plus a comment of at most 65,535.
        var end = bytes.count - 22
        while end >= 0 && end >= bytes.count - 22 - 65_535 {
            if try u32(end) == 0x0605_4B50 { break }
            end -= 1
        }
        guard end >= 0, try u32(end) == 0x0605_4B50 else { throw BillFormatError("zip: no end of central directory") }
        let count = try u16(end + 10)
        var at = try u32(end + 16)
        guard count != 0xFFFF, at != 0xFFFF_FFFF else { throw BillFormatError("zip: ZIP64 archives are not read") }
        var entries: [Entry] = []
        for _ in 0..<count {
            guard try u32(at) == 0x0201_4B50 else { throw BillFormatError("zip: bad central directory entry") }
            let flags = try u16(at + 8), method = try u16(at + 10), crc = try u32(at + 16)
            let compressedSize = try u32(at + 20), size = try u32(at + 24)
            let nameLength = try u16(at + 28), extraLength = try u16(at + 30), commentLength = try u16(at + 32)
            let local = try u32(at + 42)
            guard at + 46 + nameLength <= bytes.count else { throw BillFormatError("zip: cut short") }
            let nameBytes = Array(bytes[(at + 46)..<(at + 46 + nameLength)])
            at += 46 + nameLength + extraLength + commentLength
            guard flags & 1 == 0 else { throw BillFormatError("zip: encrypted entries are not read") }
            guard size <= limit else { throw BillFormatError("zip: an entry of \(size) bytes is over the limit") }
            guard try u32(local) == 0x0403_4B50 else { throw BillFormatError("zip: bad local header") }
            let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard start + compressedSize <= bytes.count else { throw BillFormatError("zip: entry data cut short") }
            let data = Array(bytes[start..<(start + compressedSize)])
            let contents: [UInt8]
            switch method {
            case 0: contents = data
            case 8: contents = try Inflate.decompress(data, limit: size)
            default: throw BillFormatError("zip: compression method \(method) is not read")
            }
            guard contents.count == size, Self.crc32(contents) == UInt32(crc) else {
                throw BillFormatError("zip: an entry's size or CRC-32 does not match")
            }
            entries.append(Entry(name: Self.name(nameBytes, utf8: flags & 0x800 != 0), contents: contents))
        }
        self.entries = entries
    }

    static func name(_ bytes: [UInt8], utf8: Bool) -> String {
        if utf8 || String(validating: bytes, as: UTF8.self) != nil { return String(decoding: bytes, as: UTF8.self) }
        return String(data: Data(bytes), encoding: String.Encoding(rawValue: 0x8000_0632)) ?? String(decoding: bytes, as: UTF8.self)
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
