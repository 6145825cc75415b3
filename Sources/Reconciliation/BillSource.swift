import Channels
import Logging
import PaystreamCore

/// Where a day's bill of one channel comes from.
public protocol BillSource: Sendable {
    var channel: Channel { get }
    /// The day's bill rows; throws when the channel does not serve the bill (not out yet, refused, malformed).
    func records(day: String) async throws -> [ChannelBillRecord]
}

/// WeChat Pay: GET /v3/bill/tradebill (bill_type ALL), the signed download checked against its SHA1, parsed.
public struct WeChatBillSource: BillSource {
    public let client: WeChatPayV3Client
    public var channel: Channel { .wechat }

    public init(client: WeChatPayV3Client) { self.client = client }

    public func records(day: String) async throws -> [ChannelBillRecord] {
        let location = try await client.tradeBillLocation(day: day)
        return try WeChatTradeBill(try await client.downloadBill(location)).records()
    }
}

/// Alipay: alipay.data.dataservice.bill.downloadurl.query (bill_type trade), the file at the returned URL, parsed.
public struct AlipayBillSource: BillSource {
    public let client: AlipayClient
    public var channel: Channel { .alipay }

    public init(client: AlipayClient) { self.client = client }

    public func records(day: String) async throws -> [ChannelBillRecord] {
        let url = try await client.billDownloadURL(day: day)
        return try AlipayTradeBill(try await client.downloadBill(from: url)).records()
    }
}
