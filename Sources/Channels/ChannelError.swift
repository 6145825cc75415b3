import PaystreamCore

/// Why a call to a payment channel did not give a usable answer.
///
/// Guarantees: ``code`` is one of a small, stable set of machine-readable values (see ``Code``); ``isRetriable``
/// is true only when sending the same request again (with the same idempotency key: out_trade_no,
/// out_refund_no, out_bill_no, orderId) cannot cause a second effect and may succeed. The channel's own answer,
/// when there was one, is kept in ``httpStatus``, ``channelCode`` and ``channelMessage``. No key material,
/// signature or request body is ever put into an error, so it is safe to log.
public struct ChannelError: Error, Sendable, CustomStringConvertible {
    /// A machine-readable kind of failure; compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The request did not complete within the configured time; whether the channel acted on it is unknown.
        public static let timeout = Code("channel.timeout")
        /// The connection failed or broke; whether the channel acted on it is unknown.
        public static let transport = Code("channel.transport")
        /// The channel answered with an HTTP status this client does not treat as an answer (e.g. 5xx, 401).
        public static let httpStatus = Code("channel.http_status")
        /// The channel understood the request and refused it (business error); see ``channelCode``.
        public static let rejected = Code("channel.rejected")
        /// The channel's answer was not signed, or its signature did not verify: it must not be trusted.
        public static let badResponseSignature = Code("channel.bad_response_signature")
        /// The answer was signed by a platform key this merchant does not know.
        public static let unknownPlatformKey = Code("channel.unknown_platform_key")
        /// The answer could not be parsed or lacks a required field.
        public static let malformedResponse = Code("channel.malformed_response")
        /// The request was refused locally before sending (an argument out of its documented range).
        public static let invalidRequest = Code("channel.invalid_request")
        /// A key, certificate or setting could not be loaded or is not usable.
        public static let configuration = Code("channel.configuration")
        /// The named order, refund or payout does not exist at the channel (as the channel said, in a
        /// verified answer).
        public static let notFound = Code("channel.not_found")
    }

    public let code: Code
    /// The channel that was called.
    public let channel: Channel
    /// What was attempted, e.g. "wechat.native" or "alipay.trade.refund".
    public let operation: String
    /// The HTTP status of the last answer, when there was one.
    public let httpStatus: Int?
    /// The channel's own error code (WeChat `code`, Alipay `sub_code`, Bill99 `errorCode`), when it gave one.
    public let channelCode: String?
    /// The channel's own error message, when it gave one.
    public let channelMessage: String?
    /// True when the same request may be sent again safely and might succeed.
    public let isRetriable: Bool
    /// True when the answer that carried this error was verified (its signature checked): only then may its
    /// ``channelCode`` decide anything about money.
    public let isVerifiedAnswer: Bool
    /// What went wrong, in words.
    public let message: String
    /// Where the error was made (`#fileID`, `#line`).
    public let file: String
    public let line: UInt

    public init(
        _ code: Code, channel: Channel, operation: String, message: String, httpStatus: Int? = nil,
        channelCode: String? = nil, channelMessage: String? = nil, isRetriable: Bool = false, isVerifiedAnswer: Bool = false,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.channel = channel
        self.operation = operation
        self.message = message
        self.httpStatus = httpStatus
        self.channelCode = channelCode
        self.channelMessage = channelMessage
        self.isRetriable = isRetriable
        self.isVerifiedAnswer = isVerifiedAnswer
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(code) [\(channel.rawValue) \(operation)] \(message)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if let channelCode { text += " channel code \(channelCode)" }
        if let channelMessage { text += ": \(channelMessage)" }
        if isRetriable { text += " (retriable)" }
        return text + " at \(file):\(line)"
    }
}
