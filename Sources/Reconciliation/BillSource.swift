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
    /// The next day's rows, read only to tell a cross-day timing difference from a missing record: by default its
    /// ``records(day:)``.
    func peek(day: String) async throws -> [ChannelBillRecord]
}

extension BillSource {
    public func peek(day: String) async throws -> [ChannelBillRecord] { try await records(day: day) }
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
        do {
            let rows = try await tradeBill(day: day)
            return rows + (try await payouts?.rows(day: day) ?? [])
        } catch var none as NoBillForDay {
            none.otherRows = try await payouts?.rows(day: day) ?? []
            throw none
        }
    }

    /// The next day's trade bill alone: its transfers tell nothing about this day's (a transfer is asked about on
    /// the days the platform's records name), and asking about them would double the queries of a run.
    public func peek(day: String) async throws -> [ChannelBillRecord] { try await tradeBill(day: day) }

    private func tradeBill(day: String) async throws -> [ChannelBillRecord] {
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
/// that the day concerns (``PlatformRecords/payoutCandidates(channel:day:)``). A row carries the channel's time, also
/// when that is on another day than the platform's booking (a payout made at 23:59:30 and booked at 00:00:20): it
/// pairs with the booking and is matched with a cross-day note, instead of leaving the booking alone on its day. So
/// the rows can show amount and status differences and missing payouts on the platform's side, never a payout the
/// platform did not send. A payout whose answer does not read (malformed, about another payout, an unknown state) is a
/// row that says so, a difference for an operator; any other error fails the run, to be tried again: a timeout, a
/// busy channel, and a refusal, which is usually the channel's for every query (a system error, a key it refuses).
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
            let status: PayoutStatus
            switch try await query(orderID) {
            case .none: continue
            case .unreadable(let error)?:
                records.append(
                    ChannelBillRecord(
                        channel: channel, kind: .payout, transactionID: "", outTradeNo: orderID,
                        status: "\(ReconMatcher.unansweredStatus) (\(error.code))",
                        succeeded: false, amountFen: 0, billedAt: "\(day) 00:00:00"))
                continue
            case .status(let answered)?: status = answered
            }
            let at = status.updatedAt.map(ChannelTime.shanghaiDateTime) ?? "\(day) 00:00:00"
            records.append(
                ChannelBillRecord(
                    channel: channel, kind: .payout, transactionID: status.channelPayoutID ?? "", outTradeNo: orderID,
                    status: status.amount == nil ? status.rawState + " (no amount)" : status.rawState,
                    succeeded: status.state == .succeeded, amountFen: status.amount?.fen ?? 0, billedAt: at))
        }
        return records
    }

    enum Answer {
        case status(PayoutStatus)
        /// An answer about this payout that does not read.
        case unreadable(ChannelError)
    }

    /// The payout's answer, or nil when the channel holds no such payout (it refused the request, or the request
    /// never reached it): no row, as a bill file would have none. A withdrawal the platform booked as paid out is then
    /// `platformOnly`. Thrown, that answer failed the whole day's run (every payout of the day unreconciled, day after
    /// day). Bill99 signs no refusal, so there it is unverified: it cannot hide a payout the platform booked, and it
    /// settles or unfreezes nothing. A malformed answer is `.unreadable`; anything else is thrown.
    private func query(_ orderID: String) async throws -> Answer? {
        let answer: Result<PayoutStatus, ChannelError>
        do { answer = .success(try await client.queryPayout(payoutID: orderID)) } catch { answer = .failure(error) }
        switch answer {
        case .success(let status): return .status(status)
        case .failure(let error) where error.code == .notFound: return nil
        case .failure(let error) where error.code == .malformedResponse: return .unreadable(error)
        case .failure(let error): throw error
        }
    }
}
