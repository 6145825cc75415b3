// WeChat Pay API v3 bodies as they travel. Property names are the wire names (snake_case) on purpose: these
// internal types exist only to be encoded and decoded exactly as the channel spells them. Amounts are Int64 fen
// decoded by StrictJSONDecoder (integer tokens only) and turned into Amount, which refuses negatives.

struct WeChatWireAmount: Codable {
    var total: Int64
    var currency: String?
    var payer_total: Int64?
    var payer_currency: String?
}

struct WeChatWireNativeOrder: Encodable {
    var appid: String
    var mchid: String
    var description: String
    var out_trade_no: String
    var notify_url: String
    var amount: WeChatWireAmount
    var time_expire: String?
    var attach: String?
}

struct WeChatWireCodeURL: Decodable { var code_url: String }

struct WeChatWirePayer: Decodable { var openid: String? }

struct WeChatWireTransaction: Decodable {
    var appid: String?
    var mchid: String?
    var out_trade_no: String
    var transaction_id: String?
    var trade_type: String?
    var trade_state: String
    var trade_state_desc: String?
    var success_time: String?
    var attach: String?
    var payer: WeChatWirePayer?
    var amount: WeChatWireAmount?
}

struct WeChatWireClose: Encodable { var mchid: String }

struct WeChatWireRefundRequest: Encodable {
    struct Amount: Encodable {
        var refund: Int64
        var total: Int64
        var currency: String
    }
    var out_trade_no: String
    var out_refund_no: String
    var reason: String?
    var notify_url: String
    var amount: Amount
}

struct WeChatWireRefundAmount: Decodable {
    var total: Int64
    var refund: Int64
    var payer_total: Int64?
    var payer_refund: Int64?
}

/// A refund as the refund API answers it (field `status`) and as REFUND.* plaintext carries it
/// (`refund_status`).
struct WeChatWireRefund: Decodable {
    var mchid: String?
    var out_trade_no: String
    var transaction_id: String?
    var out_refund_no: String
    var refund_id: String?
    var status: String?
    var refund_status: String?
    var success_time: String?
    var user_received_account: String?
    var amount: WeChatWireRefundAmount
}

struct WeChatWireTransferRequest: Encodable {
    var appid: String
    var out_bill_no: String
    var transfer_scene_id: String
    var openid: String
    /// The payee's real name, RSA-OAEP-encrypted under the key `Wechatpay-Serial` names, Base64.
    var user_name: String?
    var transfer_amount: Int64
    var transfer_remark: String
    var notify_url: String?
    var transfer_scene_report_infos: [WeChatPayConfiguration.TransferSceneReport]
}

/// A transfer bill as the create and query APIs answer it and as MCHTRANSFER.BILL.FINISHED carries it.
struct WeChatWireTransfer: Decodable {
    var out_bill_no: String
    var transfer_bill_no: String?
    var state: String
    var transfer_amount: Int64?
    var fail_reason: String?
    var package_info: String?
    var create_time: String?
    var update_time: String?
    var mch_id: String?
    var openid: String?
}

struct WeChatWireBill: Decodable {
    var download_url: String
    var hash_type: String
    var hash_value: String
}

struct WeChatWireError: Decodable {
    var code: String
    var message: String?
}

struct WeChatWireNotify: Decodable {
    struct Resource: Decodable {
        var original_type: String?
        var algorithm: String
        var ciphertext: String
        var associated_data: String?
        var nonce: String
    }
    var id: String?
    var create_time: String?
    var resource_type: String?
    var event_type: String?
    var summary: String?
    var resource: Resource
}
