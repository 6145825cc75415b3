import Hummingbird

/// Why a simulated channel refused an operation. Each channel's endpoints translate it into that channel's own
/// error format (WeChat `{"code","message"}`, Alipay `code`/`sub_code`, Bill99 `errorCode`).
enum SandboxFailure: Error, CustomStringConvertible {
    case orderNotFound(String)
    case orderPaid(String)
    case orderClosed(String)
    case orderExpired(String)
    case orderNotPaid(String)
    case refundExceedsPaid(String)
    case notFound(String)
    /// The identifier was used before with different content.
    case conflict(String)
    case invalid(String)
    case limitReached(String)
    /// A refund the channel refuses for good (fault `refunds.refuse`).
    case refundRefused(String)

    var description: String {
        switch self {
        case .orderNotFound(let no): "order \(no) does not exist"
        case .orderPaid(let no): "order \(no) is already paid"
        case .orderClosed(let no): "order \(no) is closed"
        case .orderExpired(let no): "order \(no) has expired"
        case .orderNotPaid(let no): "order \(no) is not paid"
        case .refundExceedsPaid(let detail): "refund exceeds the refundable amount: \(detail)"
        case .notFound(let what): "\(what) does not exist"
        case .conflict(let detail): detail
        case .invalid(let detail): detail
        case .limitReached(let detail): detail
        case .refundRefused(let detail): detail
        }
    }

    /// WeChat Pay v3 status and error code.
    var wechat: (HTTPResponse.Status, String) {
        switch self {
        case .orderNotFound, .notFound: (.notFound, "ORDER_NOT_EXIST")
        case .orderPaid: (.badRequest, "ORDERPAID")
        case .orderClosed, .orderExpired: (.badRequest, "ORDER_CLOSED")
        case .orderNotPaid: (.badRequest, "INVALID_REQUEST")
        case .refundExceedsPaid: (.forbidden, "NOT_ENOUGH")
        case .conflict: (.badRequest, "INVALID_REQUEST")
        case .invalid: (.badRequest, "PARAM_ERROR")
        case .limitReached: (.tooManyRequests, "FREQUENCY_LIMITED")
        case .refundRefused: (.forbidden, "USER_ACCOUNT_ABNORMAL")
        }
    }

    /// Alipay business `sub_code` (the response's `code` is 40004 for all of these).
    var alipaySubCode: String {
        switch self {
        case .orderNotFound, .notFound: "ACQ.TRADE_NOT_EXIST"
        case .orderPaid: "ACQ.TRADE_HAS_SUCCESS"
        case .orderClosed, .orderExpired: "ACQ.TRADE_HAS_CLOSE"
        case .orderNotPaid: "ACQ.TRADE_STATUS_ERROR"
        case .refundExceedsPaid: "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
        case .conflict: "ACQ.CONTEXT_INCONSISTENT"
        case .invalid: "ACQ.INVALID_PARAMETER"
        case .limitReached: "ACQ.SYSTEM_ERROR"
        case .refundRefused: "ACQ.TRADE_HAS_FINISHED"
        }
    }

    /// Control-API status.
    var controlStatus: HTTPResponse.Status {
        switch self {
        case .orderNotFound, .notFound: .notFound
        case .orderPaid, .orderClosed, .orderExpired, .orderNotPaid, .conflict, .refundRefused: .conflict
        case .refundExceedsPaid, .invalid: .badRequest
        case .limitReached: .tooManyRequests
        }
    }
}
