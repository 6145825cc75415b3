import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Logging
import PaystreamCore
import Postgres
import Synchronization

/// `paystream demo payments`: the payment story told the way clients, payers and the back office live it,
/// over HTTP against a running paystream-api and the channel sandbox (paystream-sim, SIMULATED channels):
/// recharges by WeChat Pay and Alipay, a merchant collecting by QR code, a withdrawal approved and paid out,
/// another rejected and unfrozen, a refund; balances after each step as the API reports them.
struct PaymentsDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Recharge (WeChat Pay, Alipay), scan-to-collect, withdrawals (paid out, rejected), a refund: over HTTP.")

    @Option(help: "paystream-api base URL.") var api = "http://127.0.0.1:58080"
    @Option(help: "paystream-sim base URL (the SIMULATED channels).") var sandbox = "http://127.0.0.1:58090"
    @Option(help: "Seconds to wait for each step to reach the ledger.") var stepTimeout = 60.0
    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "The API's keys file (also PAYSTREAM_KEYS_FILE): the demo makes its clients and logins with it.")
    var keysFile: String?

    func run() async throws {
        let run = String(Int(Date().timeIntervalSince1970) % 1_000_000)
        let alice = "user:alice-\(run)", shop = "merchant:noodles-\(run)"
        let postgres = PostgresClient(
            configuration: try PostgresConfiguration(url: try runtime.resolve().postgresURL), logger: Logger(label: "paystream.demo"))
        defer { Task { await postgres.shutdown() } }
        let identities = ProvisionedIdentities(keys: try SecurityKeys.require(path: keysFile), postgres: postgres, apiURL: api)
        let story = PaymentsStory(api: api, sandbox: sandbox, timeout: stepTimeout, identities: identities)
        print("Every caller signs its requests with its own API client; the shop and the operators log in first.")

        print("Everyone is new (run \(run)). Channels: paystream-sim at \(sandbox) (SIMULATED, no real money).")
        // Recharges.
        let wechat = try await story.call("POST", "/v1/recharges", #"{"amountFen":80000,"channel":"wechat"}"#, as: alice)
        print("\n1. alice recharges 800.00 by WeChat Pay: order \(wechat["orderId"]!) \(wechat["status"]!), QR code \(wechat["codeUrl"]!)")
        try await story.pay("wechat", wechat["orderId"] as! String)
        try await story.waitForOrder(wechat["orderId"] as! String, status: "paid", as: alice)
        print("   she scans it in the sandbox and pays; the notify is verified, put on Kafka, applied by the worker.")
        try await story.balance(alice)

        let alipay = try await story.call("POST", "/v1/recharges", #"{"amountFen":20000,"channel":"alipay","mode":"page"}"#, as: alice)
        let payURL = alipay["payUrl"] as! String
        print("\n2. alice recharges 200.00 by Alipay on the cashier page: \(String(payURL.prefix(90)))…")
        let cashier = try await story.raw("GET", "", base: payURL)
        guard cashier.status == 200 else { throw PaymentsStory.Failed(description: "the cashier page answered \(cashier.status)") }
        print("   her browser opens the signed cashier URL; she pays there.")
        try await story.pay("alipay", alipay["orderId"] as! String)
        try await story.waitForOrder(alipay["orderId"] as! String, status: "paid", as: alice)
        try await story.balance(alice)

        // Collection.
        let code = try await story.call("POST", "/v1/collect-codes", #"{"description":"Noodle shop counter"}"#, as: shop)
        let page = code["payPageUrl"] as! String
        print("\n3. the noodle shop prints its static QR code: \(page)")
        let collected = try await story.call("POST", String(page.dropFirst(api.count)), #"{"channel":"alipay","amountFen":3650}"#, as: nil)
        print("   a passer-by scans it, types 36.50 and pays by Alipay (order \(collected["orderId"]!))")
        try await story.pay("alipay", collected["orderId"] as! String)
        try await story.waitForOrder(collected["orderId"] as! String, status: "paid", as: shop)
        let dynamic = try await story.call("POST", "/v1/collections", #"{"amountFen":1800,"channel":"wechat","description":"Table 4"}"#, as: shop)
        print("   and shows a 18.00 dynamic code to table 4, paid by WeChat Pay (order \(dynamic["orderId"]!))")
        try await story.pay("wechat", dynamic["orderId"] as! String)
        try await story.waitForOrder(dynamic["orderId"] as! String, status: "paid", as: shop)
        try await story.balance(shop)

        // Withdrawals.
        let card = try await story.bindCard(run: run, as: alice)
        let first = try await story.call("POST", "/v1/withdrawals", #"{"amountFen":30000,"channel":"bill99","cardId":"\#(card)"}"#, as: alice)
        let firstID = first["orderId"] as! String
        try await story.waitForWithdrawal(firstID, status: "requested", as: alice)
        print("\n4. alice asks to withdraw 300.00 to her card \((first["destination"] as! [String: Any])["accountNumber"]!): risk rules pass, the money is frozen")
        try await story.balance(alice)
        _ = try await story.call("POST", "/v1/admin/withdrawals/\(firstID)/approve", "{}", admin: "ops-lee")
        try await story.waitForWithdrawal(firstID, status: "paidOut", as: alice)
        print("   ops-lee approves it; Bill99 pays it out and its notify settles it (paidOut)")
        try await story.balance(alice)

        let openID = try await story.bindWeChat(as: alice)
        let second = try await story.call("POST", "/v1/withdrawals", #"{"amountFen":10000,"channel":"wechat","openId":"\#(openID)"}"#, as: alice)
        let secondID = second["orderId"] as! String
        try await story.waitForWithdrawal(secondID, status: "requested", as: alice)
        print("\n5. alice asks to withdraw 100.00 to her WeChat balance (frozen)")
        _ = try await story.call("POST", "/v1/admin/withdrawals/\(secondID)/reject", #"{"reason":"please verify your identity first"}"#, admin: "ops-kim")
        try await story.waitForWithdrawal(secondID, status: "invalid", as: alice)
        print("   ops-kim rejects it: unfrozen, the order is INVALID")
        try await story.balance(alice)

        // Refund.
        let refund = try await story.call("POST", "/v1/refunds", #"{"orderId":"\#(alipay["orderId"]!)","amountFen":5000,"reason":"overpaid"}"#, as: alice)
        let refundID = refund["refundOrderId"] as! String
        try await story.waitFor("/v1/refunds/\(refundID)", field: "channelState", equals: "succeeded", as: alice)
        print("\n6. alice has 50.00 of her Alipay recharge refunded: taken from her wallet, refunded by Alipay (\(refundID))")
        try await story.balance(alice)

        // Limits.
        var answers: [String] = []
        for _ in 1...3 {
            let reply = try await story.raw("POST", "/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(openID)"}"#, as: alice)
            answers.append(reply.status == 202 ? "accepted" : "refused (\(reply.json["code"] as? String ?? "?"))")
        }
        print("\n7. alice asks for three more 1.00 withdrawals today; the rules allow three a day and she made two: \(answers.joined(separator: ", "))")

        try await envelopeStory(story, sender: alice, run: run)
        print("\nDone. The ledger check follows (paystream ledger verify).")
    }

    /// A red envelope in a group: pushed to the group, grabbed by ten users, expired, the rest refunded.
    func envelopeStory(_ story: PaymentsStory, sender: String, run: String) async throws {
        let users = (1...10).map { "user:friend\($0)-\(run)" }
        let members = users.map { "\"\($0)\"" }.joined(separator: ",")
        let family = try await story.call("POST", "/v1/groups", #"{"name":"family","members":[\#(members)]}"#, as: sender)
        let group = family["groupId"] as! String
        print("\n8. alice makes a family group with ten friends (\(group)); only its members see and grab what is sent to it")
        let senderPush = try await PushPrinter(story: story, account: sender, groups: [group], label: "alice")
        let friendPush = try await PushPrinter(story: story, account: users[0], groups: [group], label: "friend1")
        try await story.waitFor("/v1/events/ready", status: 200)
        let sent = try await story.call(
            "POST", "/v1/envelopes",
            #"{"totalFen":10000,"shares":12,"mode":"random","greeting":"新年快乐","expiresInSeconds":10,"groupId":"\#(group)","payWith":"wechat"}"#,
            as: sender)
        let envelope = sent["envelopeId"] as! String
        print("   alice sends a 100.00 red envelope of 12 shares to the family group, expiring in 10 s, paid by WeChat Pay (\(envelope))")
        try await story.pay("wechat", envelope)
        try await story.waitFor("/v1/envelopes/\(envelope)", field: "source", equals: "redis", as: sender)
        try await story.balance(sender)
        let stranger = try await story.raw("POST", "/v1/envelopes/\(envelope)/grab", "{}", as: "user:stranger-\(run)")
        print("   a stranger who learnt its id tries to grab it: \(stranger.status) \(stranger.json["code"] as? String ?? "")")
        var total: Int64 = 0
        for user in users {
            let grab = try await story.raw("POST", "/v1/envelopes/\(envelope)/grab", "{}", as: user)
            let fen = (grab.json["amountFen"] as? NSNumber)?.int64Value ?? 0
            total += fen
            print("   \(user) grabs \(String(format: "%lld.%02lld", fen / 100, fen % 100))")
        }
        let again = try await story.raw("POST", "/v1/envelopes/\(envelope)/grab", "{}", as: users[0])
        print("   \(users[0]) tries again: \(again.status) \(again.json["code"] as? String ?? "")")
        print("   ten grabs took \(String(format: "%lld.%02lld", total / 100, total % 100)); two shares are left. Waiting for the envelope to expire…")
        try await story.waitFor("/v1/orders/\(envelope)", field: "status", equals: "expired", as: sender, seconds: 60)
        try await story.waitFor("/v1/refunds/\(envelope)EXP", field: "channelState", equals: "succeeded", as: sender, seconds: 60)
        print("   paystream-scheduler expired it: the rest went back to alice through WeChat Pay's refund API")
        try await story.balance(sender)
        try await story.balance(users[0])
        try await Task.sleep(for: .seconds(1))
        senderPush.stop()
        friendPush.stop()
        print("   pushed to alice:   \(senderPush.names.joined(separator: ", "))")
        print("   pushed to friend1: \(friendPush.names.joined(separator: ", "))")
    }
}

/// The demo's HTTP calls and the waits between steps.
struct PaymentsStory {
    let api: String
    let sandbox: String
    let timeout: Double
    let identities: ProvisionedIdentities

    struct Reply {
        let status: Int
        let json: [String: Any]
        let text: String
    }

    struct Failed: Error, CustomStringConvertible { let description: String }

    func raw(_ method: String, _ path: String, _ body: String? = nil, as account: String? = nil, admin: String? = nil, base: String? = nil)
        async throws -> Reply
    {
        let url = (base ?? api) + path
        var request = HTTPClientRequest(url: url)
        request.method = method == "GET" ? .GET : .POST
        for (name, value) in try await identities.headers(
            account: account.flatMap(AccountID.init), admin: admin, method: method, url: url, body: Array((body ?? "").utf8))
        {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body.utf8))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let text = String(buffer: bytes)
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return Reply(status: Int(response.status.code), json: json, text: text)
    }

    func call(_ method: String, _ path: String, _ body: String? = nil, as account: String? = nil, admin: String? = nil) async throws -> [String: Any] {
        let reply = try await raw(method, path, body, as: account, admin: admin)
        guard (200..<300).contains(reply.status) else { throw Failed(description: "\(method) \(path) answered \(reply.status): \(reply.text)") }
        return reply.json
    }

    /// The payer scans and pays in the sandbox.
    /// Binds a bank card for `account`: the card is made known to the sandbox's simulated bank, its four elements
    /// are verified through the API (Bill99), and the SMS code the SIMULATED gateway recorded confirms it.
    func bindCard(run: String, as account: String) async throws -> String {
        let serial = String(repeating: "0", count: max(0, 6 - run.count)) + run
        let idBody = "31011519900101" + serial.suffix(3)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let check = Array("10X98765432")[zip(idBody, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 } % 11]
        let (number, phone) = ("6217000" + serial + "123456", "1390" + serial + "8")
        let elements = #""cardNumber":"\#(number)","realName":"Alice","idNumber":"\#(idBody)\#(check)","phone":"\#(phone)""#
        let known = try await raw(
            "POST", "/sandbox/bill99/cards",
            #"{"cardNo":"\#(number)","realName":"Alice","idCardNo":"\#(idBody)\#(check)","phoneNo":"\#(phone)","bankName":"ICBC"}"#, base: sandbox)
        guard known.status == 200 else { throw Failed(description: "the sandbox did not take the card: \(known.text)") }
        let binding = try await call("POST", "/v1/cards", "{\(elements)}", as: account)
        let messages = try await raw("GET", "/sandbox/sms?phone=\(phone)", base: sandbox)
        let texts = ((try? JSONSerialization.jsonObject(with: Data(messages.text.utf8))) as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        guard let text = texts.last, let code = text.range(of: "[0-9]{6}", options: .regularExpression).map({ String(text[$0]) }) else {
            throw Failed(description: "no SMS code reached the sandbox")
        }
        let bindingID = binding["bindingId"] as! String
        let card = try await call("POST", "/v1/cards/\(bindingID)/confirm", #"{"code":"\#(code)"}"#, as: account)
        print("\n   alice binds her card \(card["cardNumber"]!): Bill99 verifies its four elements, she types the SMS code")
        return bindingID
    }

    /// The account's user authorizes Paystream's official account in WeChat (SIMULATED by the sandbox), and the API
    /// asks WeChat who they are with the code: the openid its WeChat withdrawals may name.
    func bindWeChat(as account: String) async throws -> String {
        let consent = try await raw("POST", "/sandbox/wechat/authorize", "{}", base: sandbox)
        guard consent.status == 200, let code = consent.json["code"] as? String else {
            throw Failed(description: "the sandbox gave no WeChat code: \(consent.text)")
        }
        let bound = try await call("POST", "/v1/wechat-accounts", #"{"code":"\#(code)"}"#, as: account)
        let openID = bound["openId"] as! String
        print("\n   alice binds her WeChat (\(openID)): she authorizes Paystream in WeChat, and Paystream asks WeChat who she is")
        return openID
    }

    func pay(_ channel: String, _ orderID: String) async throws {
        let reply = try await raw("POST", "/sandbox/pay", #"{"channel":"\#(channel)","outTradeNo":"\#(orderID)"}"#, base: sandbox)
        guard reply.status == 200 else { throw Failed(description: "the sandbox did not pay \(orderID): \(reply.text)") }
    }

    func waitFor(_ path: String, status: Int) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await raw("GET", path).status == status { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failed(description: "\(path) did not answer \(status) within \(timeout) s")
    }

    func waitFor(_ path: String, field: String, equals value: String, as account: String, seconds: Double? = nil) async throws {
        let deadline = Date().addingTimeInterval(seconds ?? timeout)
        while Date() < deadline {
            if try await raw("GET", path, as: account).json[field] as? String == value { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failed(description: "\(path) did not reach \(field)=\(value) in time")
    }

    func waitForOrder(_ orderID: String, status: String, as account: String) async throws {
        try await waitFor("/v1/orders/\(orderID)", field: "status", equals: status, as: account)
    }

    func waitForWithdrawal(_ orderID: String, status: String, as account: String) async throws {
        try await waitFor("/v1/withdrawals/\(orderID)", field: "status", equals: status, as: account)
    }

    func balance(_ account: String) async throws {
        let b = try await call("GET", "/v1/balance", as: account)
        func yuan(_ key: String) -> String {
            let fen = (b[key] as? NSNumber)?.int64Value ?? 0
            return String(format: "%lld.%02lld", fen / 100, fen % 100)
        }
        print("   balance of \(account): available \(yuan("availableFen")), frozen \(yuan("frozenFen"))")
    }
}

/// Collects the names of the events pushed to one account (Server-Sent Events from `GET /v1/events`).
final class PushPrinter: Sendable {
    private let received = Mutex<[String]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(story: PaymentsStory, account: String, groups: [String], label: String) async throws {
        let url = story.api + "/v1/events?groups=" + groups.joined(separator: ",")
        var request = HTTPClientRequest(url: url)
        for (name, value) in try await story.identities.headers(account: AccountID(account), admin: nil, method: "GET", url: url, body: []) {
            request.headers.add(name: name, value: value)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        let stream = Task { [weak self] in
            do {
                for try await buffer in response.body {
                    for line in String(buffer: buffer).split(separator: "\n") where line.hasPrefix("event: ") {
                        self?.received.withLock { $0.append(String(line.dropFirst(7))) }
                    }
                }
            } catch {}
        }
        task.withLock { $0 = stream }
    }

    var names: [String] { received.withLock { $0 } }
    func stop() { task.withLock { $0?.cancel() } }
}
