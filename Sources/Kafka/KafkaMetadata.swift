import CRdKafka

/// A topic as the cluster reports it.
public struct TopicMetadata: Sendable, Equatable {
    public let name: String
    public let partitionCount: Int
    /// The replica count of partition 0 (all partitions of a Paystream topic have the same).
    public let replicationFactor: Int

    public init(name: String, partitionCount: Int, replicationFactor: Int) {
        self.name = name
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
    }
}

/// Metadata requests shared by every client. Internal; callers run them on a blocking executor.
enum KafkaMetadata {
    static func check(_ rk: OpaquePointer, bootstrap: String, timeoutMilliseconds: Int) throws {
        _ = try topics(rk, bootstrap: bootstrap, timeoutMilliseconds: timeoutMilliseconds)
    }

    static func topics(_ rk: OpaquePointer, bootstrap: String, timeoutMilliseconds: Int) throws -> [TopicMetadata] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 1, nil, &metadata, Int32(clamping: timeoutMilliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(
                kind: err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ? .connection : .admin,
                code: err.rawValue,
                message: "no broker of \(bootstrap) answered a metadata request within \(timeoutMilliseconds) ms: "
                    + String(cString: rd_kafka_err2str(err)),
                isRetriable: true)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let md = metadata.pointee
        var result: [TopicMetadata] = []
        for i in 0..<Int(md.topic_cnt) {
            let topic = md.topics[i]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let replicas = topic.partition_cnt > 0 ? Int(topic.partitions[0].replica_cnt) : 0
            result.append(
                TopicMetadata(name: String(cString: topic.topic), partitionCount: Int(topic.partition_cnt),
                              replicationFactor: replicas))
        }
        return result.sorted { $0.name < $1.name }
    }
}
