/// `application/x-www-form-urlencoded` and URL query coding, strict.
///
/// Guarantees: ``encode(_:)`` escapes every byte outside RFC 3986's unreserved set (so a space is `%20`, never
/// `+`), which every decoder reads back unchanged; ``decode(_:)`` refuses malformed escapes, invalid UTF-8 and
/// duplicate keys instead of guessing, so the parameters a signature is checked over are exactly the ones read.
enum FormCoding {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// Percent-encodes `text`'s UTF-8 bytes outside `A-Z a-z 0-9 - . _ ~`.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                result.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return result
    }

    /// `k=v&k=v` with both sides escaped, in the given order.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Decodes a form body or query string: `+` is a space, `%XX` a byte, the bytes must be UTF-8, a key may
    /// appear once. Empty segments (`a=1&&b=2`) are skipped; a segment without `=` has an empty value.
    static func decode(_ text: String) throws(Malformed) -> [String: String] {
        var result: [String: String] = [:]
        for segment in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = segment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try unescape(pieces[0])
            let value = pieces.count > 1 ? try unescape(pieces[1]) : ""
            guard result.updateValue(value, forKey: key) == nil else {
                throw Malformed(description: "parameter \(key) appears more than once")
            }
        }
        return result
    }

    private static func unescape(_ text: Substring) throws(Malformed) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw Malformed(description: "bad percent escape")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw Malformed(description: "a parameter is not UTF-8")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
