import Kafka
import PaystreamCore
import Testing

@testable import PaystreamRuntime

/// The worker's split of a batch into lanes (no broker or database needed).
@Suite("Worker lanes: no shared partition, account or order")
struct LaneAssignmentTests {
    static func message(_ event: MoneyEvent, partition: Int32, offset: Int64) -> KafkaMessage {
        KafkaMessage(
            topic: "t", partition: partition, offset: offset, key: Array(event.payload.orderKey.utf8), value: event.encode(),
            headers: [], timestampMilliseconds: nil)
    }

    static func lanes(_ messages: [KafkaMessage], count: Int) -> [[Int]] {
        BatchProcessor.lanes(for: messages, decoded: messages.map { .success(try! MoneyEvent.decode($0.value)) }, count: count)
    }

    @Test func partitionsWithDisjointAccountsGetTheirOwnLanesInOffsetOrder() throws {
        let batch = [
            Self.message(try EventFactory.transfer(order: "o1", from: "a", to: "b", fen: 1), partition: 0, offset: 10),
            Self.message(try EventFactory.transfer(order: "o2", from: "c", to: "d", fen: 1), partition: 1, offset: 20),
            Self.message(try EventFactory.transfer(order: "o3", from: "b", to: "a", fen: 1), partition: 0, offset: 11),
            Self.message(try EventFactory.transfer(order: "o4", from: "d", to: "c", fen: 1), partition: 1, offset: 21),
        ]
        let lanes = Self.lanes(batch, count: 4)
        #expect(lanes.count == 2)
        #expect(Set(lanes) == Set([[0, 2], [1, 3]]))
    }

    @Test func partitionsSharingAnAccountShareALane() throws {
        let batch = [
            Self.message(try EventFactory.transfer(order: "o1", from: "a", to: "b", fen: 1), partition: 0, offset: 1),
            Self.message(try EventFactory.transfer(order: "o2", from: "c", to: "d", fen: 1), partition: 1, offset: 1),
            Self.message(try EventFactory.transfer(order: "o3", from: "e", to: "b", fen: 1), partition: 2, offset: 1),
        ]
        let lanes = Self.lanes(batch, count: 4)
        #expect(Set(lanes) == Set([[0, 2], [1]]))
        // With one lane allowed, or every partition linked, the batch stays whole and in order.
        #expect(Self.lanes(batch, count: 1) == [[0, 1, 2]])
        let hot = (0..<6).map { i in
            Self.message(try! EventFactory.transfer(order: "h\(i)", from: "hot", to: "r\(i)", fen: 1), partition: Int32(i % 3), offset: Int64(i))
        }
        #expect(Self.lanes(hot, count: 4) == [[0, 1, 2, 3, 4, 5]])
    }
}
