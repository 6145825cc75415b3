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
    /// The day's rows the channel gave apart from its bill file: its payouts, asked about one by one (a WeChat
    /// trade bill lists no transfer, and a day of transfers only has no trade bill).
    public var otherRows: [ChannelBillRecord] = []
    public var description: String { "\(channel.rawValue) has no bill for \(day) (\(channelCode))" }

    static func check(_ error: ChannelError, day: String, codes: Set<String>) -> any Error {
        guard let code = error.channelCode, codes.contains(code) else { return error }
        return NoBillForDay(channel: error.channel, day: day, channelCode: code)
    }
}

/// WeChat Pay: GET /v3/bill/tradebill (bill_type ALL), the signed download checked against its SHA1, parsed; and the
/// day's transfers to users' balances (withdrawals), which no trade bill lists, asked about one by one
/// (``PayoutQueries``) when `payouts` is given.
public struct WeChatBillSource: BillSource {
    public let client: WeChatPayV3Client
    public let payouts: PayoutQueries?
    public var channel: Channel { .wechat }

    public init(client: WeChatPayV3Client, payoutsFrom postgres: PostgresClient? = nil) {
        self.client = client
        self.payouts = postgres.map { PayoutQueries(client: client, postgres: $0) }
    }

    public func records(day: String) async throws -> [ChannelBillRecord] {
        let trades: Result<[ChannelBillRecord], any Error>
        do {
            let location = try await client.tradeBillLocation(day: day)
            trades = .success(try WeChatTradeBill(try await client.downloadBill(location)).records())
        } catch let error as ChannelError {
            trades = .failure(NoBillForDay.check(error, day: day, codes: ["NO_STATEMENT_EXIST"]))
        } catch {
            trades = .failure(error)
        }
        let transfers = try await payouts?.rows(day: day) ?? []
        switch trades {
        case .success(let rows): return rows + transfers
        case .failure(var none as NoBillForDay):
            none.otherRows = transfers
            throw none
        case .failure(let error): throw error
        }
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
/// concerns (``PayoutQueries``), and the answers are the day's "bill".
public struct Bill99QuerySource: BillSource {
    public let queries: PayoutQueries
    public var channel: Channel { .bill99 }

    public init(client: Bill99Client, postgres: PostgresClient) {
        self.queries = PayoutQueries(client: client, postgres: postgres)
    }

    public func records(day: String) async throws -> [ChannelBillRecord] { try await queries.rows(day: day) }
}

/// A channel's payouts of a day, as rows of a bill: the channel is asked about every withdrawal the platform sent it
/// that the day concerns (``PlatformRecords/payoutCandidates(channel:day:)``). A payout whose final answer carries a
/// time on another day belongs to that day; one still processing stays on this day. So the rows can show amount and
/// status differences and missing payouts on the platform's side, never a payout the platform did not send.
public struct PayoutQueries: Sendable {
    public let client: any PayoutChannel
    public let platform: PlatformRecords

    public init(client: any PayoutChannel, postgres: PostgresClient) {
        self.client = client
        self.platform = PlatformRecords(client: postgres)
    }

    public func rows(day: String) async throws -> [ChannelBillRecord] {
        let channel = client.channel
        var records: [ChannelBillRecord] = []
        for orderID in try await platform.payoutCandidates(channel: channel, day: day) {
            guard let status = try await query(orderID) else { continue }
            let at = status.updatedAt.map(ChannelTime.shanghaiDateTime) ?? "\(day) 00:00:00"
            guard status.state != .succeeded || at.hasPrefix(day) else { continue }
            records.append(
                ChannelBillRecord(
                    channel: channel, kind: .payout, transactionID: status.channelPayoutID ?? "", outTradeNo: orderID,
                    status: status.amount == nil ? status.rawState + " (no amount)" : status.rawState,
                    succeeded: status.state == .succeeded, amountFen: status.amount?.fen ?? 0, billedAt: at))
        }
        return records
    }

    /// The payout's status, or nil when the channel holds no such payout (it refused the request, or the request
    /// never reached it): no row, as a bill file would have none. A withdrawal the platform booked as paid out is then
    /// `platformOnly`; one it did not book is no difference. Thrown, that answer failed the whole day's run (every
    /// payout of the day unreconciled, day after day). Bill99 signs no refusal, so there it is unverified: it can
    /// only add a difference to the report, never settle or unfreeze anything.
    private func query(_ orderID: String) async throws -> PayoutStatus? {
        let answer: Result<PayoutStatus, ChannelError>
        do { answer = .success(try await client.queryPayout(payoutID: orderID)) } catch { answer = .failure(error) }
        switch answer {
        case .success(let status): return status
        case .failure(let error) where error.code == .notFound: return nil
        case .failure(let error): throw error
        }
    }
}
