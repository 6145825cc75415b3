import CRdKafka

/// Conversions between Swift partition values and `rd_kafka_topic_partition_list_t`. Internal.
enum TopicPartitionList {
    /// Creates a C list; the caller destroys it with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ entries: [(TopicPartition, offset: Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(clamping: max(entries.count, 1)))!
        for (tp, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }

    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        elements(of: list).map { $0.partition }
    }

    static func elements(of list: UnsafePointer<rd_kafka_topic_partition_list_t>)
        -> [(partition: TopicPartition, offset: Int64, err: rd_kafka_resp_err_t)]
    {
        let l = list.pointee
        guard let elems = l.elems else { return [] }
        return (0..<Int(l.cnt)).map { i in
            let e = elems[i]
            return (TopicPartition(topic: String(cString: e.topic), partition: e.partition), e.offset, e.err)
        }
    }
}
