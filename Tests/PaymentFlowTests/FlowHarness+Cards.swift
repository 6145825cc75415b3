import Foundation
import NIOHTTP1
import Testing

/// Bank cards for flow tests: cards the sandbox's simulated bank knows, bound through the API the way a client
/// does it (four elements, then the SMS code the sandbox recorded).
extension FlowHarness {
    struct TestCard: Sendable {
        var number: String
        var name: String
        var idNumber: String
        var phone: String
        var bankName = "ICBC"

        /// The body of `POST /v1/cards`.
        var json: String {
            #"{"cardNumber":"\#(number)","realName":"\#(name)","idNumber":"\#(idNumber)","phone":"\#(phone)"}"#
        }
    }

    /// A built-in card of the sandbox (no registration needed).
    static let builtInCard = TestCard(number: "6222020200112233445", name: "张三", idNumber: "110101199003071233", phone: "13800000000")

    /// A card no other call made: a random number, phone and ID number (with its check character).
    static func newCard(name: String = "王五") -> TestCard {
        func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(Int.random(in: 0...9))) }) }
        let body = "3101" + digits(2) + "19" + digits(2) + "0" + String(Int.random(in: 1...9)) + "1" + String(Int.random(in: 0...9)) + digits(3)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        let check = Array("10X98765432")[sum % 11]
        return TestCard(number: "621700" + digits(13), name: name, idNumber: body + String(check), phone: "139" + digits(8))
    }

    /// A new card (number and phone no other call made) of the person who holds `card`: same name, same ID number.
    static func newCard(heldLike card: TestCard) -> TestCard {
        var another = newCard(name: card.name)
        another.idNumber = card.idNumber
        return another
    }

    /// Registers `card` at the sandbox's simulated bank.
    func register(_ card: TestCard) async throws {
        let reply = try await sandbox(
            .POST, "/sandbox/bill99/cards",
            #"{"cardNo":"\#(card.number)","realName":"\#(card.name)","idCardNo":"\#(card.idNumber)","phoneNo":"\#(card.phone)","bankName":"\#(card.bankName)"}"#)
        guard reply.status == 200 else { throw HarnessError("the sandbox did not register the card: \(reply.text)") }
    }

    /// The messages the SIMULATED SMS gateway recorded for `phone`, oldest first.
    func smsTexts(to phone: String) async throws -> [String] {
        let reply = try await sandbox(.GET, "/sandbox/sms?phone=\(phone)")
        let messages = (try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]]) ?? []
        return messages.compactMap { $0["text"] as? String }
    }

    /// The 6-digit code of the last message to `phone`.
    func lastCode(to phone: String) async throws -> String {
        guard let text = try await smsTexts(to: phone).last, let range = text.range(of: "[0-9]{6}", options: .regularExpression) else {
            throw HarnessError("no code was sent to the phone")
        }
        return String(text[range])
    }

    /// Binds `card` for `account` (POST /v1/cards, then the code) and returns the card's id.
    func bindCard(_ card: TestCard = FlowHarness.builtInCard, as account: String) async throws -> String {
        let binding = try await post("/v1/cards", card.json, as: account)
        guard binding.status == 202, let bindingID = binding.string("bindingId") else { throw HarnessError("binding refused: \(binding.text)") }
        let confirmed = try await post("/v1/cards/\(bindingID)/confirm", #"{"code":"\#(try await lastCode(to: card.phone))"}"#, as: account)
        guard confirmed.status == 201, let cardID = confirmed.string("cardId") else { throw HarnessError("confirmation refused: \(confirmed.text)") }
        return cardID
    }

    /// A new user with `fen` available and a card of its own (a new card of `holder`, registered at the bank) bound.
    func fundedUserWithCard(_ label: String, fen: Int64, holder: String) async throws -> (user: String, cardID: String) {
        let user = try await fundedUser(label, fen: fen)
        let card = FlowHarness.newCard(name: holder)
        try await register(card)
        return (user, try await bindCard(card, as: user))
    }

    /// The id of the first card `account` has bound.
    func firstCard(of account: String) async throws -> String {
        let cards = try await get("/v1/cards", as: account).json["cards"] as? [[String: Any]]
        guard let id = cards?.first?["cardId"] as? String else { throw HarnessError("\(account) has no card") }
        return id
    }

    func delete(_ path: String, as account: String) async throws -> Reply {
        try await send(.DELETE, apiURL + path, headers: ["X-Paystream-Account": account])
    }
}
