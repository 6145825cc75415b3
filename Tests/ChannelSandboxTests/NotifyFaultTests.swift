import Cryptography
import Foundation
import Testing

@testable import ChannelSandbox

@Suite("Notify delivery and faults")
struct NotifyFaultTests {
    /// A WeChat order paid through the sandbox, its notify going to `receiver`.
    static func payWeChat(_ sandbox: TestSandbox, _ receiver: NotifyReceiver, _ outTradeNo: String, fen: Int = 500) async throws {
        let created = try await sandbox.wechat.send(
            "POST", "/v3/pay/transactions/native",
            json: WeChatPayTests.nativeOrder(sandbox, outTradeNo, fen: fen, notifyURL: receiver.url))
        #expect(created.status == 200, "\(created.text)")
        let paid = try await sandbox.pay("wechat", outTradeNo)
        #expect(paid.status == 200, "\(paid.text)")
    }

    @Test("duplicate sends the same notify n more times, each verifying")
    func duplicate() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            try await sandbox.faults(#"{"notify":{"duplicate":2}}"#)
            try await Self.payWeChat(sandbox, receiver, "dup-0001")
            let received = try await receiver.wait(for: 3)
            #expect(received.count == 3)
            let certificate = try sandbox.platformCertificate()
            let ids = try received.map { try WeChatTestClient.decrypt(notify: $0.body, apiV3Key: sandbox.apiV3Key()).envelope["id"] as? String }
            #expect(Set(ids).count == 1, "duplicates carry the same notify id")
            for notify in received {
                #expect(try WeChatTestClient.verify(headers: notify.headers, body: notify.body, certificate: certificate))
            }
            let records = try await sandbox.notifies(reference: "dup-0001")
            #expect(records.map(\.copy).sorted() == [0, 1, 2])
        } }
    }

    @Test("drop sends nothing and records the notify as dropped")
    func drop() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            try await sandbox.faults(#"{"notify":{"drop":true}}"#)
            try await Self.payWeChat(sandbox, receiver, "drop-0001")
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await receiver.wait(for: 1, seconds: 0.2).isEmpty)
            #expect(try await sandbox.notifies(reference: "drop-0001").map(\.state) == [.dropped])
        } }
    }

    @Test("tamper and wrong key make the notify fail verification; an offset timestamp is expired")
    func tamperAndWrongKey() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            let certificate = try sandbox.platformCertificate()
            // Each notify is waited for before the next payment: they are delivered concurrently, and the
            // checks below tell them apart by their order of arrival.
            try await sandbox.faults(#"{"notify":{"tamper":true}}"#)
            try await Self.payWeChat(sandbox, receiver, "tamper-0001")
            try #require(try await receiver.wait(for: 1, seconds: 30).count == 1)
            try await sandbox.faults(#"{"notify":{"wrongKey":true}}"#)
            try await Self.payWeChat(sandbox, receiver, "wrongkey-0001")
            try #require(try await receiver.wait(for: 2, seconds: 30).count == 2)
            try await sandbox.faults(#"{"notify":{"timestampOffsetSeconds":-600}}"#)
            try await Self.payWeChat(sandbox, receiver, "old-0001")
            let received = try await receiver.wait(for: 3, seconds: 30)
            try #require(received.count == 3)
            #expect(try !WeChatTestClient.verify(headers: received[0].headers, body: received[0].body, certificate: certificate))
            #expect(received[0].text.contains("[tampered]"))
            #expect(try !WeChatTestClient.verify(headers: received[1].headers, body: received[1].body, certificate: certificate))
            #expect(try WeChatTestClient.verify(headers: received[2].headers, body: received[2].body, certificate: certificate))
            let timestamp = Double(received[2].headers["wechatpay-timestamp"] ?? "") ?? 0
            #expect(Date().timeIntervalSince1970 - timestamp >= 590)
            #expect(try await sandbox.notifies(reference: "tamper-0001").first?.tampered == true)
        } }
    }

    @Test("a non-2xx answer is retried on the schedule and every attempt is recorded")
    func retries() async throws {
        try await withReceiver(script: [(500, "FAIL"), (503, "busy")]) { receiver in try await withSandbox { sandbox in
            try await Self.payWeChat(sandbox, receiver, "retry-0001")
            let records = try await sandbox.waitForNotifies(reference: "retry-0001") { $0.first?.state == .delivered }
            let attempts = records.first?.attempts ?? []
            #expect(attempts.map(\.statusCode) == [500, 503, 200])
            #expect(attempts.map(\.answer) == ["FAIL", "busy", ""])
            #expect(attempts.map(\.acknowledged) == [false, false, true])
            #expect(try await receiver.wait(for: 3).count == 3)
        } }
    }

    @Test("after the schedule is exhausted the notify is failed; replay re-sends the exact bytes")
    func exhaustedAndReplay() async throws {
        try await withReceiver(script: [(500, ""), (500, ""), (500, "")]) { receiver in try await withSandbox { sandbox in
            try await Self.payWeChat(sandbox, receiver, "fail-0001")
            let records = try await sandbox.waitForNotifies(reference: "fail-0001") { $0.first?.state == .failed }
            #expect(records.first?.attempts.count == 3)
            let id = try #require(records.first?.id)
            let replay = try await sandbox.control("POST", "/sandbox/notifies/\(id)/replay")
            #expect(replay.status == 200, "\(replay.text)")
            let received = try await receiver.wait(for: 4)
            #expect(received.count == 4)
            #expect(received[3].body == received[2].body)
            #expect(received[3].headers["wechatpay-signature"] == received[2].headers["wechatpay-signature"])
        } }
    }

    @Test("reorder holds a notify until the next one, which goes first")
    func reorder() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            try await sandbox.faults(#"{"notify":{"reorder":true}}"#)
            try await Self.payWeChat(sandbox, receiver, "first-0001")
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await receiver.wait(for: 1, seconds: 0.1).isEmpty)
            try await Self.payWeChat(sandbox, receiver, "second-0001")
            let received = try await receiver.wait(for: 2)
            let order = try received.map {
                try WeChatTestClient.decrypt(notify: $0.body, apiV3Key: sandbox.apiV3Key()).plaintext["out_trade_no"] as? String
            }
            #expect(order == ["second-0001", "first-0001"])
            // A held notify is released by flush.
            try await Self.payWeChat(sandbox, receiver, "third-0001")
            _ = try await sandbox.control("POST", "/sandbox/notifies/flush")
            #expect(try await receiver.wait(for: 3).count == 3)
        } }
    }

    @Test("delayMs delays the first attempt")
    func delay() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            try await sandbox.faults(#"{"notify":{"delayMs":600}}"#)
            let start = Date()
            try await Self.payWeChat(sandbox, receiver, "delay-0001")
            _ = try await receiver.wait(for: 1)
            #expect(Date().timeIntervalSince(start) >= 0.55)
        } }
    }
}
