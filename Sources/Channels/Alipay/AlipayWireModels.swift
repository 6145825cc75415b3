// Alipay openapi answers as they travel: every field a string (amounts in yuan with two decimals, read with
// Amount.parseYuan). Property names are the wire names on purpose.

/// The fields every answer has.
struct AlipayWireStatus: Decodable {
    var code: String
    var msg: String?
    var sub_code: String?
    var sub_msg: String?
}

struct AlipayWirePrecreate: Decodable {
    var out_trade_no: String?
    var qr_code: String?
}

struct AlipayWireTrade: Decodable {
    var trade_no: String?
    var out_trade_no: String?
    var trade_status: String?
    var total_amount: String?
    var buyer_pay_amount: String?
    var buyer_user_id: String?
    var send_pay_date: String?
}

struct AlipayWireRefund: Decodable {
    var trade_no: String?
    var out_trade_no: String?
    var fund_change: String?
    var refund_fee: String?
    var gmt_refund_pay: String?
}

struct AlipayWireRefundQuery: Decodable {
    var trade_no: String?
    var out_trade_no: String?
    var out_request_no: String?
    var refund_amount: String?
    var refund_status: String?
    var gmt_refund_pay: String?
}

struct AlipayWireBill: Decodable {
    var bill_download_url: String?
}
