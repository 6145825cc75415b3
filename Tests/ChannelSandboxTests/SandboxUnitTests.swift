import Foundation
import Testing

@testable import ChannelSandbox

@Suite("Sandbox building blocks")
struct SandboxUnitTests {
    @Test("Shanghai time is UTC+8 whatever the host zone, and days split at Shanghai midnight")
    func shanghaiTime() throws {
        let instant = Date(timeIntervalSince1970: 1_714_579_199)  // 2024-05-01T15:59:59Z
        #expect(ShanghaiTime.dateTime(instant) == "2024-05-01 23:59:59")
        #expect(ShanghaiTime.rfc3339(instant) == "2024-05-01T23:59:59+08:00")
        #expect(ShanghaiTime.day(instant.addingTimeInterval(1)) == "2024-05-02")
        #expect(ShanghaiTime.startOfDay("2024-05-02") == instant.addingTimeInterval(1))
        #expect(ShanghaiTime.startOfDay("2024-02-30") == nil)
        #expect(ShanghaiTime.nextDay("2024-12-31") == "2025-01-01")
        #expect(ShanghaiTime.chineseDateTime(instant) == "2024年05月01日 23:59:59")
    }

    @Test("bill amounts and fees are exact")
    func amounts() {
        #expect(BillBook.yuan(0) == "0.00")
        #expect(BillBook.yuan(-5) == "-0.05")
        #expect(BillBook.yuan(123_456, decimals: 5) == "1234.56000")
        #expect(WeChatBillWriter.fee(600) == 4)  // 6.00 yuan at 0.60% = 0.036 -> 0.04
        #expect(WeChatBillWriter.fee(1) == 0)
    }

    @Test("Alipay signing content sorts by key, drops empty values and the excluded names")
    func alipayContent() {
        let content = AlipaySigning.content(["b": "2", "a": "1", "sign": "x", "sign_type": "RSA2", "c": ""], excluding: ["sign"])
        #expect(content == "a=1&b=2&sign_type=RSA2")
    }

    @Test("WeChat Authorization headers parse; anything else does not")
    func authorizationParsing() {
        let header = #"WECHATPAY2-SHA256-RSA2048 mchid="1900",nonce_str="n",signature="s==",timestamp="1",serial_no="AB""#
        #expect(
            WeChatPaySigning.parseAuthorization(header)
                == .init(mchid: "1900", nonce: "n", timestamp: "1", serial: "AB", signature: "s=="))
        #expect(WeChatPaySigning.parseAuthorization("Bearer x") == nil)
    }

    @Test("the XML reader finds elements, CDATA and entities, not prefixes of other names")
    func xml() {
        let text = "<a><orderIdX>no</orderIdX><orderId><![CDATA[W1]]></orderId><m>a&amp;b</m><e/></a>"
        #expect(XMLText.value(of: "orderId", in: text) == "W1")
        #expect(XMLText.value(of: "m", in: text) == "a&b")
        #expect(XMLText.value(of: "e", in: text) == "")
        #expect(XMLText.value(of: "z", in: text) == nil)
    }

    @Test("keys written to a state directory load back as the same keys")
    func keysRoundTrip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try SandboxStateFiles.write(keys: sharedKeys, configuration: SandboxConfiguration(), baseURL: "http://x", to: directory)
        let loaded = try SandboxKeys.load(directory: directory, overrides: .init())
        #expect(loaded.wechatPlatformSerial == sharedKeys.wechatPlatformSerial)
        #expect(loaded.wechatAPIv3Key == sharedKeys.wechatAPIv3Key)
        #expect(loaded.alipayKey.publicKey == sharedKeys.alipayKey.publicKey)
        #expect(loaded.alipayAppPublicKey == sharedKeys.alipayAppPublicKey)
        #expect(loaded.wechatMerchantSerial == sharedKeys.wechatMerchantSerial)
        #expect(loaded.bill99MerchantPublicKey == sharedKeys.bill99MerchantPublicKey)
    }

    @Test("notify records keep the newest maxNotifyRecords, in order, and forget the older ones")
    func notifyRecordsAreBounded() async {
        let state = SandboxState(maxOrders: 10, maxNotifyRecords: 10)
        func record(_ n: Int) -> NotifyRecord {
            NotifyRecord(
                id: "ntf-\(n)", channel: .wechat, event: "TRANSACTION.SUCCESS", reference: "o-\(n)", url: "http://127.0.0.1:1/n",
                copy: 0, replayOf: nil, state: .pending, tampered: false, body: "", headers: [:], attempts: [])
        }
        // 35 records through a bound of 10: past the point where the oldest are compacted away, twice over.
        for n in 1...35 {
            await state.addNotify(record(n))
            #expect(await state.allNotifies().map(\.id) == (max(1, n - 9)...n).map { "ntf-\($0)" })
        }
        #expect(await state.notifyRecord("ntf-25") == nil, "forgotten")
        await state.updateNotify("ntf-25") { $0.state = .delivered }
        #expect(await state.allNotifies().allSatisfy { $0.state == .pending }, "updating a forgotten record changes nothing")
        await state.updateNotify("ntf-26") { $0.state = .delivered }
        #expect(await state.notifyRecord("ntf-26")?.state == .delivered)
        await state.reset()
        #expect(await state.allNotifies().isEmpty)
        await state.addNotify(record(36))
        #expect(await state.allNotifies().map(\.id) == ["ntf-36"])
    }
}
