import Channels
import Logging
import PaystreamCore
import Postgres

/// Where a day's bill of one channel comes from.
public protocol BillSource: Sendable {
    var channel: Channel { get }
    /// The day's bill rows; throws ``NoBillForDay`` when the channel says it has no bill for the day (no
    /// transactions), anything else when it does not serve the bill (not out yet, refused, malformed).
    func records(day: String) async throws -> [ChannelBillRecord]
}

/// The channel answered that there is no bill for the day: WeChat Pay `NO_STATEMENT_EXIST`, Alipay
/// `isp.bill_not_exist`. For the day being reconciled that is an empty bill; for the next day's peek it is only
/// "not available" (a bill still being made may be described the same way).
public struct NoBillForDay: Error, CustomStringConvertible {
    public let channel: Channel
    public let day: String
    public let channelCode: String
    public var description: String { "\(channel.rawValue) has no bill for \(day) (\(channelCode))" }

    static func check(_ error: ChannelError, day: String, codes: Set<String>) -> any Error {
        guard let code = error.channelCode, codes.contains(code) else { return error }
        return NoBillForDay(channel: error.channel, day: day, channelCode: code)
    }
}

/// WeChat Pay: GET /v3/bill/tradebill (bill_type ALL), the signed download checked against its SHA1, parsed.
public struct WeChatBillSource: BillSource {
    public let client: WeChatPayV3Client
    public var channel: Channel { .wechat }

    public init(client: WeChatPayV3Client) { self.client = client }

    public func records(day: String) async throws -> [ChannelBillRecord] {
        let location: WeChatPayBillLocation
        do {
            location = try await client.tradeBillLocation(day: day)
        } catch {
            throw NoBillForDay.check(error, day: day, codes: ["NO_STATEMENT_EXIST"])
        }
        return try WeChatTradeBill(try await client.downloadBill(location)).records()
    }
}

/// Alipay: alipay.data.dataservice.bill.downloadurl.query (bill_type trade), the file at the returned URL, parsed.
public struct AlipayBillSource: BillSource {
    public let client: AlipayClient
    public var channel: Channel { .alipay }

    public init(client: AlipayClient) { self.client = client }

    public func records(day: String) async throws -> [ChannelBillRecord] {
        let url: String
        do {
            url = try await client.billDownloadURL(day: day)
        } catch {
            throw NoBillForDay.check(error, day: day, codes: ["isp.bill_not_exist"])
        }
        return try AlipayTradeBill(try await client.downloadBill(from: url)).records()
    }
}

/// Bill99 has no bill file: its pay-to-bank query is asked about every withdrawal the platform sent it that the day
/// concerns (``PlatformRecords/payoutCandidates(channel:day:)``), and the answers are the day's "bill". A payout
/// whose final answer carries a time on another day belongs to that day; one still processing stays on this day.
/// So Bill99 can show amount and status differences and missing payouts on the platform's side, never a payout
/// the platform did not send.
public struct Bill99QuerySource: BillSource {
    public let client: Bill99Client
    public let platform: PlatformRecords
    public var channel: Channel { .bill99 }

    public init(client: Bill99Client, postgres: PostgresClient) {
        self.client = client
        self.platform = PlatformRecords(client: postgres)
    }

    public func records(day: String) async throws -> [ChannelBillRecord] {
        var records: [ChannelBillRecord] = []
        for orderID in try await platform.payoutCandidates(channel: .bill99, day: day) {
            let status = try await client.queryPayout(payoutID: orderID)
            let at = status.updatedAt.map(ChannelTime.shanghaiDateTime) ?? "\(day) 00:00:00"
            guard status.state != .succeeded || at.hasPrefix(day) else { continue }
            records.append(
                ChannelBillRecord(
                    channel: .bill99, kind: .payout, transactionID: status.channelPayoutID ?? "", outTradeNo: orderID,
                    status: status.amount == nil ? status.rawState + " (no amount)" : status.rawState,
                    succeeded: status.state == .succeeded, amountFen: status.amount?.fen ?? 0, billedAt: at))
        }
        return records
    }
}
