/// The Java client's default partitioner: murmur2 of the key bytes (seed 0x9747b28c), sign bit masked,
/// modulo the partition count. librdkafka's `murmur2_random` partitioner computes the same thing, so a key
/// lands on the same partition whichever client produced it.
public enum Murmur2 {
    public static func hash(_ key: [UInt8]) -> UInt32 {
        let seed: UInt32 = 0x9747_b28c
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h = seed ^ UInt32(truncatingIfNeeded: key.count)
        var index = 0
        while index + 4 <= key.count {
            var k = UInt32(key[index]) | UInt32(key[index + 1]) << 8 | UInt32(key[index + 2]) << 16
                | UInt32(key[index + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
            index += 4
        }
        let rest = key.count - index
        if rest >= 3 { h ^= UInt32(key[index + 2]) << 16 }
        if rest >= 2 { h ^= UInt32(key[index + 1]) << 8 }
        if rest >= 1 {
            h ^= UInt32(key[index])
            h = h &* m
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }

    /// The partition the Java client (and librdkafka's murmur2 partitioners) choose for `key`.
    public static func partition(forKey key: [UInt8], partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return Int32(hash(key) & 0x7fff_ffff) % partitionCount
    }
}
