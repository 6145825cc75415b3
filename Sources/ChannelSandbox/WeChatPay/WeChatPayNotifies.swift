import Foundation
import PaystreamCore

extension SandboxCore {
    /// A WeChat Pay v3 notify: the envelope `{id, create_time, resource_type, event_type, summary, resource}` with
    /// `plaintext` sealed under the APIv3 key (associated_data = original_type). Each attempt is signed afresh
    /// over "TIMESTAMP\nNONCE\nBODY\n"; the notify faults decide the key, the timestamp offset and tampering.
    func wechatNotify(
        event: String, summary: String, originalType: String, plaintext: some Encodable, reference: String, url: String
    ) -> OutboundNotify? {
        let body: [UInt8]
        do {
            let now = Date()
            let resource = try wechatSigning.encryptResource(
                try SandboxJSON.encode(plaintext), originalType: originalType, associatedData: originalType)
            body = try SandboxJSON.encode(
                WeChatNotifyEnvelope(
                    id: UUID().uuidString.lowercased(), create_time: ShanghaiTime.rfc3339(now),
                    resource_type: "encrypt-resource", event_type: event, summary: summary, resource: resource))
        } catch {
            logger.error("cannot build a WeChat Pay notify", metadata: ["error": "\(error)"])
            return nil
        }
        let signing = wechatSigning
        return OutboundNotify(
            channel: .wechat, event: event, reference: reference, url: url, contentType: "application/json",
            prepare: { faults in
                let headers = try signing.signatureHeaders(
                    body: body, now: Date(), rogue: faults.wrongKey == true,
                    timestampOffset: faults.timestampOffsetSeconds ?? 0)
                guard faults.tamper == true else { return PreparedNotify(body: body, headers: headers, tampered: false) }
                // Signed above, changed here: the signature no longer covers these bytes.
                let changed = String(decoding: body, as: UTF8.self)
                    .replacingOccurrences(of: "\"summary\":\"", with: "\"summary\":\"[tampered] ")
                return PreparedNotify(body: Array(changed.utf8), headers: headers, tampered: true)
            },
            isAcknowledged: { status, _ in (200..<300).contains(status) })
    }

    /// TRANSACTION.SUCCESS for a paid WeChat order, to its notify_url.
    func wechatPaymentNotify(_ order: SandboxOrder) -> OutboundNotify? {
        guard let url = order.notifyURL else { return nil }
        return wechatNotify(
            event: "TRANSACTION.SUCCESS", summary: "支付成功", originalType: "transaction",
            plaintext: WeChatPayEndpoints(core: self).transaction(order), reference: order.outTradeNo, url: url)
    }
}
