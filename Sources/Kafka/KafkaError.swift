import CRdKafka

/// An error from the Kafka client: what failed, librdkafka's error code and text, whether trying again can
/// help, and where in Paystream it was raised.
///
/// One struct instead of a sprawling enum, so that new librdkafka codes never break callers: branch on
/// ``isRetriable`` or on ``code`` when a specific case matters.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// What kind of operation failed.
    public enum Kind: String, Sendable {
        case configuration, connection, produce, delivery, consume, commit, rebalance, admin, timeout, closed
        case embeddedBroker
    }

    public let kind: Kind
    /// librdkafka's `rd_kafka_resp_err_t` value (0 when the error is Paystream's own).
    public let code: Int32
    /// librdkafka's name for the code, e.g. `_MSG_TIMED_OUT`, `TOPIC_AUTHORIZATION_FAILED`.
    public let codeName: String
    public let message: String
    /// True when the same operation may succeed if tried again later (broker down, timeouts, leader moves).
    public let isRetriable: Bool
    /// True when the client instance cannot be used any more (e.g. an idempotent producer's fatal error).
    public let isFatal: Bool
    public let file: String
    public let line: UInt

    public var description: String {
        let codePart = code == 0 ? "" : " [\(codeName) (\(code))]"
        return "KafkaError.\(kind.rawValue)\(codePart): \(message)"
            + (isRetriable ? " (retriable)" : "") + (isFatal ? " (fatal)" : "")
    }

    init(
        kind: Kind, code: Int32 = 0, message: String, isRetriable: Bool? = nil, isFatal: Bool = false,
        file: String = #fileID, line: UInt = #line
    ) {
        self.kind = kind
        self.code = code
        self.codeName = code == 0 ? "" : String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(code)))
        self.message = message
        self.isRetriable = isRetriable ?? KafkaError.defaultRetriable(code)
        self.isFatal = isFatal
        self.file = file
        self.line = line
    }

    init(kind: Kind, err: rd_kafka_resp_err_t, context: String, file: String = #fileID, line: UInt = #line) {
        let text = String(cString: rd_kafka_err2str(err))
        self.init(kind: kind, code: err.rawValue, message: "\(context): \(text)", file: file, line: line)
    }

    /// Builds an error from an `rd_kafka_error_t`, destroying it.
    init(kind: Kind, consuming error: OpaquePointer, context: String, file: String = #fileID, line: UInt = #line) {
        let code = rd_kafka_error_code(error).rawValue
        let text = String(cString: rd_kafka_error_string(error))
        let retriable = rd_kafka_error_is_retriable(error) != 0
        let fatal = rd_kafka_error_is_fatal(error) != 0
        rd_kafka_error_destroy(error)
        self.init(
            kind: kind, code: code, message: "\(context): \(text)",
            isRetriable: retriable || KafkaError.defaultRetriable(code), isFatal: fatal, file: file, line: line)
    }

    private static func defaultRetriable(_ code: Int32) -> Bool {
        switch rd_kafka_resp_err_t(code) {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT,
            RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__WAIT_COORD,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return true
        default:
            return false
        }
    }
}
