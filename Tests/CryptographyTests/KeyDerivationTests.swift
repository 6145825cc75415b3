import Cryptography
import Testing

/// PBKDF2-HMAC-SHA256 against RFC 7914 §11 and scrypt against RFC 7914 §12 (the published vectors; the fourth
/// scrypt vector, N = 2^20, needs 1 GiB and is left out), plus argument checks.
@Suite struct KeyDerivationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let password: String
        let salt: String
        /// PBKDF2's iteration count, or scrypt's (N, r, p).
        let parameters: [Int]
        let keyHex: String
        var testDescription: String { "\(parameters), P=\"\(password)\"" }
    }

    static let pbkdf2Cases: [Case] = [
        Case(
            password: "passwd", salt: "salt", parameters: [1],
            keyHex: "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"),
        Case(
            password: "Password", salt: "NaCl", parameters: [80000],
            keyHex: "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"),
    ]

    static let scryptCases: [Case] = [
        Case(
            password: "", salt: "", parameters: [16, 1, 1],
            keyHex: "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
        Case(
            password: "password", salt: "NaCl", parameters: [1024, 8, 16],
            keyHex: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
        Case(
            password: "pleaseletmein", salt: "SodiumChloride", parameters: [16384, 8, 1],
            keyHex: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                + "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"),
    ]

    @Test(arguments: pbkdf2Cases)
    func pbkdf2MatchesRFC7914Section11(_ testCase: Case) throws {
        let key = try PBKDF2HMACSHA256.deriveKey(
            password: Array(testCase.password.utf8), salt: Array(testCase.salt.utf8),
            iterations: testCase.parameters[0],
            byteCount: 64)
        #expect(Hex.encode(key) == testCase.keyHex)
    }

    @Test(arguments: scryptCases)
    func scryptMatchesRFC7914Section12(_ testCase: Case) throws {
        let (n, r, p) = (testCase.parameters[0], testCase.parameters[1], testCase.parameters[2])
        let key = try Scrypt.deriveKey(
            password: Array(testCase.password.utf8), salt: Array(testCase.salt.utf8), n: n, r: r, p: p,
            byteCount: 64)
        #expect(Hex.encode(key) == testCase.keyHex)
    }

    @Test func pbkdf2ShorterOutputIsAPrefix() throws {
        let key = try PBKDF2HMACSHA256.deriveKey(
            password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, byteCount: 20)
        #expect(Hex.encode(key) == "55ac046e56e3089fec1691c22544b605f9418521")
    }

    @Test func pbkdf2RefusesArgumentsOutOfRange() {
        for (iterations, byteCount) in [(0, 32), (-1, 32), (Int(Int32.max) + 1, 32), (1, 0), (1, 1025)] {
            let error = #expect(throws: CryptoError.self) {
                try PBKDF2HMACSHA256.deriveKey(password: [1], salt: [2], iterations: iterations, byteCount: byteCount)
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func scryptRefusesArgumentsOutOfRange() {
        let refused: [(n: Int, r: Int, p: Int, byteCount: Int)] = [
            (0, 8, 1, 32), (1, 8, 1, 32), (1000, 8, 1, 32), (-16, 8, 1, 32),  // N not a power of two > 1
            (16, 0, 1, 32), (16, 8, 0, 32), (16, 1 << 20, 1 << 10, 32),  // r, p, r * p
            (1 << 16, 1, 1, 32),  // N >= 2^(16 r)
            (16, 1, 1, 0), (16, 1, 1, 1025),  // output length
            (1 << 20, 8, 1, 32),  // 1 GiB, over the default memory ceiling
        ]
        for arguments in refused {
            let error = #expect(throws: CryptoError.self, "\(arguments)") {
                try Scrypt.deriveKey(
                    password: [1], salt: [2], n: arguments.n, r: arguments.r, p: arguments.p,
                    byteCount: arguments.byteCount)
            }
            #expect(error?.code == .invalidArgument, "\(arguments)")
        }
    }

    @Test func scryptMemoryCeilingIsEnforcedBeforeAllocating() throws {
        // N = 1024, r = 8 needs 128 * 8 * (1024 + 1 + 2) bytes, just over 1 MiB.
        #expect(Scrypt.memoryByteCount(n: 1024, r: 8, p: 1) == 128 * 8 * 1027)
        let error = #expect(throws: CryptoError.self) {
            try Scrypt.deriveKey(
                password: [1], salt: [2], n: 1024, r: 8, p: 1, byteCount: 32, maximumMemoryByteCount: 1 << 20)
        }
        #expect(error?.code == .invalidArgument)
        #expect(Scrypt.memoryByteCount(n: .max, r: 8, p: 1) == nil)
    }
}
