import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// Generated hostile input, more than a million cases in all, against what reads untrusted bytes: the request
/// signature check and the three channels' notify verifiers and parsers. Each case must end in an answer or a
/// typed refusal — never a crash, a hang or an acceptance of something the signature does not cover. The
/// generator is seeded, so a failure names a case that can be replayed. The loops yield often: the test runner's
/// thread pool has as many threads as cores, and the other suites' time bounds must not starve behind them.
@Suite struct NotifyFuzzTests {
    /// SplitMix64: small, fast, and the same sequence for the same seed everywhere.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let hostile: [String] = [
        "", "0", "-1", "-0.01", "1e3", "0.001", "1.005", "99999999999999999999.99", "9223372036854775808", "NaN", "\u{0}", "\u{202E}",
        "<![CDATA[", "]]>", "&amp;", "&#0;", "%", "%zz", "%00", "=", "&", "\"", "\\", "'; DROP TABLE orders; --", "\u{FFFF}", "测试", "😀",
        String(repeating: "9", count: 400), "2024-13-45 25:61:61", "null", "{}", "[]", "<a>", "</pay2bankResult>", "TRADE_SUCCESS",
    ]

    /// `seed` changed in one to four places: bits flipped, bytes deleted, random or hostile bytes inserted, a run
    /// repeated, the end cut off.
    static func mutate(_ seed: [UInt8], _ g: inout Generator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &g)
            switch Int.random(in: 0..<6, using: &g) {
            case 0 where !bytes.isEmpty: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &g))
            case 1 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &g)))
            case 2: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }, at: at)
            case 3: bytes.insert(contentsOf: Array(hostile.randomElement(using: &g)!.utf8), at: at)
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, at + Int.random(in: 1...32, using: &g))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            default: bytes.removeSubrange(at..<bytes.count)
            }
        }
        return bytes
    }

    @Test func theRequestSignatureAcceptsOnlyTheSignedRequest() async {
        var g = Generator(state: 0x5EED_0001)
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        var accepted = 0, refused = 0
        for i in 0..<400_000 {
            if i % 256 == 0 { await Task.yield() }
            let method = ["GET", "POST", "PUT", "DELETE"].randomElement(using: &g)!
            let path = "/v1/" + String(decoding: Self.mutate(Array("orders/RC2025".utf8), &g).filter { $0 > 0x20 && $0 < 0x7F }, as: UTF8.self)
            let query = Bool.random(using: &g) ? nil : "limit=\(Int.random(in: 0...200, using: &g))&cursor=\(UInt32.random(in: 0...UInt32.max, using: &g))"
            let body = Self.mutate(Array(#"{"amountFen":100,"channel":"wechat"}"#.utf8), &g)
            let timestamp = String(Int.random(in: 0...2_000_000_000, using: &g))
            let nonce = String(UInt64.random(in: 0...UInt64.max, using: &g), radix: 36)
            let text = RequestSignature.canonicalText(method: method, path: path, query: query, body: body, timestamp: timestamp, nonce: nonce)
            let signature = RequestSignature.sign(secret: secret, canonicalText: text)
            // Change exactly one thing the signature covers (or the signature itself); it must no longer verify.
            var forgedBody = body, forgedNonce = nonce, forgedSignature = signature, forgedSecret = secret
            switch Int.random(in: 0..<4, using: &g) {
            case 0: forgedBody.append(UInt8.random(in: 0...255, using: &g))
            case 1: forgedNonce += "x"
            case 2: forgedSignature = String(decoding: Self.mutate(Array(signature.utf8), &g), as: UTF8.self)
            default: forgedSecret[Int.random(in: 0..<32, using: &g)] ^= 1
            }
            let forgedText = RequestSignature.canonicalText(
                method: method, path: path, query: query, body: forgedBody, timestamp: timestamp, nonce: forgedNonce)
            let genuine = RequestSignature.isValid(signature: signature, secret: secret, canonicalText: text)
            let forged = forgedSignature != signature || forgedText != text || forgedSecret != secret
                ? RequestSignature.isValid(signature: forgedSignature, secret: forgedSecret, canonicalText: forgedText) : false
            if genuine { accepted += 1 }
            if !forged { refused += 1 }
        }
        #expect(accepted == 400_000 && refused == 400_000)
    }

    @Test func alipayNotifiesSurviveMutationAndAcceptOnlyWhatWasSigned() async throws {
        var g = Generator(state: 0x5EED_0002)
        let key = TestKeys.platform
        let verifier = AlipayNotifyVerifier(appID: "2021000000000001", alipayPublicKey: key.publicKey)
        var parameters = [
            "notify_id": "N1", "notify_type": "trade_status_sync", "notify_time": "2025-01-01 12:00:00", "app_id": "2021000000000001",
            "trade_no": "2025010122001", "out_trade_no": "RC20250101120000ABCDEFGH23", "trade_status": "TRADE_SUCCESS",
            "total_amount": "12.34", "receipt_amount": "12.34", "charset": "utf-8", "sign_type": "RSA2",
        ]
        func signed(_ p: [String: String]) throws -> [String: String] {
            var p = p
            p["sign"] = Base64.encode(try key.signatureSHA256(for: Array(AlipaySignatures.content(p, excluding: ["sign", "sign_type"]).utf8)))
            return p
        }
        let original = try verifier.verifyTradeNotify(try signed(parameters))
        let body = Array(FormCoding.encode(try signed(parameters).sorted { $0.key < $1.key }).utf8)
        var outcomes = [String: Int]()
        // Raw bodies: any change is refused, unless it decodes to the very parameters that were signed.
        for i in 0..<310_000 {
            if i % 256 == 0 { await Task.yield() }
            do {
                let notification = try verifier.verifyTradeNotify(formBody: Self.mutate(body, &g))
                #expect(notification.outTradeNo == original.outTradeNo && notification.totalAmount == original.totalAmount)
                outcomes["accepted", default: 0] += 1
            } catch {
                outcomes[error.code.rawValue, default: 0] += 1
            }
        }
        // Signed hostile values: the parser, behind a valid signature, refuses what is not exact.
        for i in 0..<10_000 {
            if i % 16 == 0 { await Task.yield() }
            let name = parameters.keys.sorted().randomElement(using: &g)!
            parameters[name] = Bool.random(using: &g) ? Self.hostile.randomElement(using: &g)! : String(decoding: Self.mutate(Array((parameters[name] ?? "").utf8), &g), as: UTF8.self)
            let signedParameters = try signed(parameters)
            do {
                let notification = try verifier.verifyTradeNotify(signedParameters)
                #expect(notification.totalAmount.fen > 0 && !notification.outTradeNo.isEmpty)
                outcomes["signed accepted", default: 0] += 1
            } catch {
                outcomes["signed " + error.code.rawValue, default: 0] += 1
            }
            if Int.random(in: 0..<8, using: &g) == 0 { parameters = ["app_id": "2021000000000001"].merging(parameters) { a, _ in a } }
        }
        #expect(outcomes.values.reduce(0, +) == 320_000)
        #expect((outcomes["notify.bad_signature"] ?? 0) > 0 && (outcomes["notify.malformed"] ?? 0) > 0, "\(outcomes)")
    }

    @Test func weChatPayNotifiesSurviveMutation() async throws {
        var g = Generator(state: 0x5EED_0003)
        let e = try WeChatPayNotifyVectorTests.e2e(WeChatPayNotifyVectorTests.files[0])
        let fields = [e.headers.timestamp ?? "", e.headers.nonce ?? "", e.headers.signature ?? "", e.headers.serial ?? ""]
        var accepted = 0, refused = 0
        for i in 0..<200_000 {
            if i % 256 == 0 { await Task.yield() }
            var headerFields = fields
            var body = e.body
            if i % 4 == 0 {
                let which = Int.random(in: 0..<4, using: &g)
                headerFields[which] = String(decoding: Self.mutate(Array(headerFields[which].utf8), &g), as: UTF8.self)
            } else {
                body = Self.mutate(body, &g)
            }
            let headers = WeChatPayNotifyHeaders(timestamp: headerFields[0], nonce: headerFields[1], signature: headerFields[2], serial: headerFields[3])
            do {
                _ = try e.verifier.verify(headers: headers, body: body, now: e.timestamp)
                // Accepted only as sent: the same body and headers (a serial is hex, matched in any letter case), or a
                // signature that still decodes to the same bytes (Base64 that a decoder reads the same).
                let sameSerial = headerFields[3].uppercased() == fields[3].uppercased()
                let same = body == e.body && headerFields[0] == fields[0] && headerFields[1] == fields[1] && sameSerial
                #expect(same && (headerFields[2] == fields[2] || (try? Base64.decode(headerFields[2])) == (try? Base64.decode(fields[2]))),
                    "accepted a changed notify: \(zip(headerFields, fields).filter { $0 != $1 }) body changed: \(body != e.body)")
                accepted += 1
            } catch {
                refused += 1
            }
        }
        #expect(accepted + refused == 200_000 && refused > 190_000)
    }

    @Test func bill99NotifiesSurviveMutation() async throws {
        var g = Generator(state: 0x5EED_0004)
        let verifier = Bill99NotifyVerifier(memberCode: "10012138842", bill99PublicKey: TestKeys.platform.publicKey)
        let genuine = Array(Bill99Tests.sealed(root: "pay2bankNotify", body: "notifyBody", inner: Bill99Tests.result(orderID: "B1", status: "111")).utf8)
        let original = try verifier.verify(body: genuine)
        var outcomes = [String: Int]()
        for i in 0..<80_000 {
            if i % 256 == 0 { await Task.yield() }
            do {
                let status = try verifier.verify(body: Self.mutate(genuine, &g))
                #expect(status.payoutID == original.payoutID && status.state == original.state)
                outcomes["accepted", default: 0] += 1
            } catch {
                outcomes[error.code.rawValue, default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == 80_000 && (outcomes["notify.malformed"] ?? 0) > 0, "\(outcomes)")
    }
}
