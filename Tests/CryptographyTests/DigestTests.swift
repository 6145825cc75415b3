import Cryptography
import Testing

/// FIPS 180-2 / RFC 1321 known answers.
@Suite struct DigestTests {
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func sha256(message: String, expectedHex: String) {
        #expect(Hex.encode(SHA256.hash(message)) == expectedHex)
        #expect(SHA256.hash(Array(message.utf8)) == SHA256.hash(message))
    }

    @Test func sha256OfOneMillionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Hex.encode(SHA256.hash(message)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func sha256AcceptsNonContiguousCollections() {
        let bytes = Array("abc".utf8)
        #expect(SHA256.hash(bytes[...]) == SHA256.hash(bytes))
        #expect(SHA256.hash("abc".utf8) == SHA256.hash(bytes))
    }

    @Test func sha1() {
        #expect(Hex.encode(SHA1.hash("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"
        ),
    ])
    func md5(message: String, expectedHex: String) {
        #expect(Hex.encode(MD5.hash(message)) == expectedHex)
    }
}
