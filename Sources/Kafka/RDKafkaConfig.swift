import CRdKafka
import Logging

/// Builds librdkafka configuration objects. Internal: the only place that turns properties into C.
enum RDKafkaConfig {
    /// Creates an `rd_kafka_conf_t` with every property set, or throws naming the property that was refused.
    static func make(_ properties: [String: String]) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(kind: .configuration, message: "rd_kafka_conf_new returned nil")
        }
        rd_kafka_conf_set_log_cb(conf, librdkafkaLogCallback)
        // Sorted so that errors are deterministic.
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errorText = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    kind: .configuration,
                    message: "property \(name)=\(value) refused: \(String(cBuffer: errorText))", isRetriable: false)
            }
        }
        return conf
    }

    /// Creates a client handle. `rd_kafka_new` takes ownership of `conf` only when it succeeds; on failure
    /// this function destroys it.
    /// A consumer handle that never commits or stores offsets, whatever `properties` say: for tools that read
    /// topics or inspect a group without consuming for it.
    static func nonCommittingConsumer(_ properties: [String: String]) throws -> OpaquePointer {
        var properties = properties
        properties["enable.auto.commit"] = "false"
        properties["enable.auto.offset.store"] = "false"
        let rk = try newClient(type: RD_KAFKA_CONSUMER, conf: try make(properties))
        rd_kafka_poll_set_consumer(rk)
        return rk
    }

    static func newClient(type: rd_kafka_type_t, conf: OpaquePointer) throws -> OpaquePointer {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(
                kind: .configuration, message: "rd_kafka_new failed: \(String(cBuffer: errorText))",
                isRetriable: false)
        }
        return handle
    }
}

/// librdkafka's own log lines, routed into swift-log (so they are structured like every other line)
/// instead of being printed to standard error in librdkafka's format.
let librdkafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, facility, text in
    let logger = Logger(label: "librdkafka")
    let swiftLevel: Logger.Level =
        switch level {
        case ...3: .error
        case 4: .warning
        case 5, 6: .info
        default: .debug
        }
    logger.log(
        level: swiftLevel, "\(text.map { String(cString: $0) } ?? "")",
        metadata: [
            "facility": "\(facility.map { String(cString: $0) } ?? "")",
            "client": "\(rk.map { String(cString: rd_kafka_name($0)) } ?? "")",
        ])
}

extension Array where Element == KafkaHeader {
    /// Copies the headers of a consumed message.
    static func copying(from message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headersHandle: OpaquePointer?
        guard rd_kafka_message_headers(message, &headersHandle) == RD_KAFKA_RESP_ERR_NO_ERROR,
            let headersHandle
        else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(headersHandle, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR,
                let name
            else { break }
            let bytes = value.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(name: String(cString: name), value: bytes))
            index += 1
        }
        return result
    }
}

extension KafkaMessage {
    /// Copies a consumed message out of librdkafka's buffers. The caller destroys the C message.
    init(copying message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let topic = String(cString: rd_kafka_topic_name(m.rkt))
        let key = m.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
            headers: .copying(from: message),
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }
}

extension String {
    /// Decodes a NUL-terminated C string held in a fixed-size buffer.
    init(cBuffer: [CChar]) {
        let bytes = cBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
