/// Base64 with the URL- and filename-safe alphabet (RFC 4648 §5) and no padding: `A-Z a-z 0-9 - _`.
///
/// The text never contains `+`, `/`, `=`, `$` or `.`, so it can sit inside self-describing strings that use
/// those as separators. Decoding is strict: only the canonical encoding of some bytes is accepted, so one byte
/// string has exactly one text.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var text: [UInt8] = []
        text.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            text.append(alphabet[Int(group >> 18 & 0x3f)])
            text.append(alphabet[Int(group >> 12 & 0x3f)])
            text.append(alphabet[Int(group >> 6 & 0x3f)])
            text.append(alphabet[Int(group & 0x3f)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let group = UInt32(input[index]) << 16
            text.append(alphabet[Int(group >> 18 & 0x3f)])
            text.append(alphabet[Int(group >> 12 & 0x3f)])
        case 2:
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            text.append(alphabet[Int(group >> 18 & 0x3f)])
            text.append(alphabet[Int(group >> 12 & 0x3f)])
            text.append(alphabet[Int(group >> 6 & 0x3f)])
        default:
            break
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes unpadded URL-safe Base64. Padding, whitespace, characters of the standard alphabet (`+`, `/`), a
    /// length that no byte string encodes to, and non-zero unused bits in the last character all throw
    /// ``CryptoError/Code/invalidEncoding``.
    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        let digits = Array(text.utf8)
        guard digits.count % 4 != 1 else {
            throw CryptoError(.invalidEncoding, "Base64URL text has an impossible length (\(digits.count))")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count * 3 / 4)
        var group: UInt32 = 0
        var bitCount = 0
        for (offset, digit) in digits.enumerated() {
            guard let value = value(of: digit) else {
                throw CryptoError(.invalidEncoding, "Base64URL text has an invalid character at offset \(offset)")
            }
            group = group << 6 | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                bytes.append(UInt8(truncatingIfNeeded: group >> UInt32(bitCount)))
                group &= (1 << UInt32(bitCount)) - 1
            }
        }
        guard group == 0 else {
            throw CryptoError(.invalidEncoding, "Base64URL text is not canonical (unused bits are set)")
        }
        return bytes
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): digit - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
