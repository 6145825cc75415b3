// WeChat Pay API v3 request and response bodies. Property names are the wire names (snake_case) on purpose:
// these types exist only to be encoded and decoded exactly as the channel spells them.

struct WeChatAmount: Codable, Sendable {
    var total: Int64
    var currency: String?
    var payer_total: Int64?
    var payer_currency: String?
}

struct WeChatNativeOrderRequest: Decodable {
    var appid: String
    var mchid: String
    var description: String
    var out_trade_no: String
    var notify_url: String
    var amount: WeChatAmount
    var time_expire: String?
    var attach: String?
}

struct WeChatPayer: Codable, Sendable { var openid: String }

/// The transaction as the query answers it and as a TRANSACTION.SUCCESS notify carries it (decrypted).
struct WeChatTransaction: Codable, Sendable {
    var appid: String
    var mchid: String
    var out_trade_no: String
    var transaction_id: String?
    var trade_type: String?
    var trade_state: String
    var trade_state_desc: String
    var bank_type: String?
    var attach: String?
    var success_time: String?
    var payer: WeChatPayer?
    var amount: WeChatAmount
}

struct WeChatRefundRequest: Decodable {
    struct Amount: Decodable {
        var refund: Int64
        var total: Int64
        var currency: String?
    }
    var transaction_id: String?
    var out_trade_no: String?
    var out_refund_no: String
    var reason: String?
    var notify_url: String?
    var amount: Amount
}

struct WeChatRefundAmount: Codable, Sendable {
    var total: Int64
    var refund: Int64
    var payer_total: Int64
    var payer_refund: Int64
    var settlement_refund: Int64?
    var settlement_total: Int64?
    var discount_refund: Int64?
    var currency: String?
}

/// The refund as the refund API answers it.
struct WeChatRefundResponse: Codable, Sendable {
    var refund_id: String
    var out_refund_no: String
    var transaction_id: String
    var out_trade_no: String
    var channel: String
    var user_received_account: String
    var success_time: String?
    var create_time: String
    var status: String
    var funds_account: String
    var amount: WeChatRefundAmount
}

/// The refund as a REFUND.* notify carries it (decrypted).
struct WeChatRefundNotice: Codable, Sendable {
    var mchid: String
    var out_trade_no: String
    var transaction_id: String
    var out_refund_no: String
    var refund_id: String
    var refund_status: String
    var success_time: String?
    var user_received_account: String
    var amount: WeChatRefundAmount
}

struct WeChatTransferRequest: Decodable {
    var appid: String
    var out_bill_no: String
    var transfer_scene_id: String
    var openid: String
    var user_name: String?
    var transfer_amount: Int64
    var transfer_remark: String
    var notify_url: String?
}

struct WeChatTransferResponse: Codable, Sendable {
    var out_bill_no: String
    var transfer_bill_no: String
    var create_time: String
    var state: String
    var fail_reason: String?
    var package_info: String?
}

/// The answer to a transfer's cancellation (撤销转账).
struct WeChatTransferCancelResponse: Codable, Sendable {
    var out_bill_no: String
    var transfer_bill_no: String
    var state: String
    var update_time: String
}

/// The transfer as the query answers it and as MCHTRANSFER.BILL.FINISHED carries it (decrypted).
struct WeChatTransferBill: Codable, Sendable {
    var mch_id: String
    var out_bill_no: String
    var transfer_bill_no: String
    var appid: String?
    var state: String
    var transfer_amount: Int64
    var transfer_remark: String?
    var fail_reason: String?
    var openid: String
    var create_time: String
    var update_time: String
}

struct WeChatBillResponse: Codable, Sendable {
    var download_url: String
    var hash_type: String
    var hash_value: String
}

/// The encrypted envelope of every v3 notify.
struct WeChatNotifyEnvelope: Codable, Sendable {
    struct Resource: Codable, Sendable {
        var original_type: String
        var algorithm: String
        var ciphertext: String
        var associated_data: String
        var nonce: String
    }
    var id: String
    var create_time: String
    var resource_type: String
    var event_type: String
    var summary: String
    var resource: Resource
}

struct WeChatError: Codable, Sendable {
    var code: String
    var message: String
}
