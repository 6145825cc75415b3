import EventBus
import Foundation
import Testing
import TestSupport

/// The order number's route gene, the gray rule's choice, and the gray twins of the topic families.
@Suite("Gray routing")
struct GrayRoutingTests {
    @Test func theGeneAfterTheTimeStampDecidesTheRouteOfAnOrderAndOfItsDerivedKeys() {
        let main = "RC20261125233612ABCDEFGHJK"
        let gray = "RC20261125233612" + "1" + "ABCDEFGHJ"
        #expect(TrafficRoute.of(orderKey: main) == .main)
        #expect(TrafficRoute.of(orderKey: gray) == .gray)
        #expect(TrafficRoute.of(orderKey: "grab:GB20261125233612" + "1" + "ZZZZZZZZZ") == .gray)
        #expect(TrafficRoute.of(orderKey: gray + ":in") == .gray)
        #expect(TrafficRoute.of(orderKey: main + ":in") == .main)
        // A random part that begins with digits never reads as the gene ('0' and '1' are not in its alphabet).
        #expect(TrafficRoute.of(orderKey: "WD20261125233612" + "23456789AB") == .main)
        // Keys that are not Paystream order numbers are main traffic.
        for key in ["", "order-1", "so-t1", "x", "RC2026", "rc20261125233612" + "1" + "ABC", "XRC20261125233612" + "1" + "ABCDEFGHJ"] {
            #expect(TrafficRoute.of(orderKey: key) == .main, "\(key)")
        }
    }

    @Test func listsWinAndTheShareIsAStableHashThatGrowsWithoutMovingAnyoneOut() {
        #expect(GrayRule.off.route(user: "alice") == .main)
        let listed = GrayRule(users: ["alice"], merchants: ["shop-1"], basisPoints: 0, version: 3)
        #expect(listed.route(user: "alice") == .gray)
        #expect(listed.route(merchant: "shop-1") == .gray)
        #expect(listed.route(user: "bob") == .main)
        #expect(GrayRule(users: [], merchants: [], basisPoints: 10_000, version: 1).route(user: "anyone") == .gray)
        #expect(GrayRule(users: [], merchants: [], basisPoints: 20_000, version: 1).basisPoints == 10_000)

        let users = (0..<20_000).map { "u\($0)" }
        let five = GrayRule(users: [], merchants: [], basisPoints: 500, version: 1)
        let one = GrayRule(users: [], merchants: [], basisPoints: 100, version: 1)
        let grayAtFive = Set(users.filter { five.route(user: $0) == .gray })
        let grayAtOne = Set(users.filter { one.route(user: $0) == .gray })
        #expect((800...1_200).contains(grayAtFive.count), "5% of 20,000: \(grayAtFive.count)")
        #expect((120...280).contains(grayAtOne.count), "1% of 20,000: \(grayAtOne.count)")
        #expect(grayAtOne.isSubset(of: grayAtFive), "growing the share moves nobody out of gray")
        // The hash is FNV-1a: fixed across processes and versions.
        #expect(GrayRule.bucket(of: "user:alice") == GrayRule.bucket(of: "user:alice"))
        #expect(GrayRule.bucket(of: "") == Int(0xcbf2_9ce4_8422_2325 as UInt64 % 10_000))
    }

    @Test func familiesDeclaredGrayHaveTwinsWithTheirOwnGroupsRetriesAndDeadLetters() throws {
        let registry = try TopicRegistry.load(directory: TestEnvironment.repositoryRoot.appendingPathComponent("topics").path)
        let transfers = try #require(registry.declaration(named: "paystream.transfer.requests"))
        #expect(transfers.gray == true)
        let twin = try #require(registry.declaration(named: "paystream.transfer.requests.gray"))
        #expect(twin.consumerGroup == transfers.consumerGroup + ".gray")
        #expect(twin.partitions == transfers.partitions)
        let names = Set(registry.allTopics.map(\.name))
        #expect(names.contains("paystream.transfer.requests.gray.retry.1"))
        #expect(names.contains("paystream.transfer.requests.gray.dlq"))
        #expect(registry.topic(family: "paystream.transfer.requests", route: .gray) == "paystream.transfer.requests.gray")
        #expect(registry.topic(family: "paystream.transfer.requests", route: .main) == "paystream.transfer.requests")
        // A family without a twin (push notifications) carries its gray traffic itself.
        #expect(registry.topic(family: "paystream.notifications.outbound", route: .gray) == "paystream.notifications.outbound")
        // Without the twins: the main families' topics only.
        let mainTopics = Set(registry.topics(grayTwins: false).map(\.name))
        #expect(mainTopics.contains("paystream.transfer.requests.retry.1") && !mainTopics.contains { $0.contains(".gray") })
        #expect(mainTopics.count + 25 == registry.allTopics.count)
        #expect(!registry.mainFamilies.contains { $0.isGrayTwin } && registry.mainFamilies.count == 7)
        // A registry made again from its own declarations does not make the twins twice.
        #expect(try TopicRegistry(declarations: registry.declarations).allTopics.count == registry.allTopics.count)
    }
}
