import Kafka
import Testing

@Suite("murmur2 partitioning")
struct Murmur2Tests {
    /// Apache Kafka's own vectors (clients/.../UtilsTest.testMurmur2), as signed 32-bit values.
    @Test(arguments: [
        ("21", Int32(-973_932_308)),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ])
    func matchesJavaClient(key: String, expected: Int32) {
        #expect(Int32(bitPattern: Murmur2.hash(Array(key.utf8))) == expected)
    }

    @Test func partitionIsPositiveHashModuloCount() {
        // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340; 1173551340 % 12 = 0
        #expect(Murmur2.partition(forKey: Array("21".utf8), partitionCount: 12) == Int32(1_173_551_340 % 12))
        for count in Int32(1)...64 {
            let p = Murmur2.partition(forKey: Array("order-42".utf8), partitionCount: count)
            #expect(p >= 0 && p < count)
        }
    }
}
