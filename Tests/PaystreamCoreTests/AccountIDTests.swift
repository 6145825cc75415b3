import Foundation
import Testing
@testable import PaystreamCore

@Suite("AccountID")
struct AccountIDTests {
    @Test func stringFormsRoundTrip() throws {
        #expect(try AccountID.user("42").description == "user:42")
        #expect(try AccountID.merchant("m-1").description == "merchant:m-1")
        #expect(AccountID.platform.description == "platform:main")
        #expect(AccountID.clearing(.wechat).description == "clearing:wechat")
        for text in ["user:42", "merchant:m-1", "platform:main", "clearing:bill99", "user:A_b.c-9"] {
            #expect(AccountID(text)?.description == text)
        }
        #expect(AccountID("user:" + String(repeating: "a", count: 64)) != nil)
    }

    @Test(arguments: [
        "", "user", "user:", ":42", "bank:1", "User:1", "user:4 2", "user:a:b", "user:é", "clearing:paypal",
        "user:" + String(repeating: "a", count: 65), " user:1", "user:1\n",
    ])
    func refusesInvalid(text: String) {
        #expect(AccountID(text) == nil)
        do {
            _ = try AccountID(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == "account.invalid")
        }
    }

    @Test func onlyClearingMayGoNegative() throws {
        #expect(AccountID.clearing(.alipay).mayGoNegative)
        #expect(AccountID.clearing(.alipay).clearingChannel == .alipay)
        #expect(try !AccountID.user("1").mayGoNegative)
        #expect(try !AccountID.merchant("1").mayGoNegative)
        #expect(!AccountID.platform.mayGoNegative)
    }

    @Test func codableAsString() throws {
        let account = try AccountID.user("42")
        let data = try JSONEncoder().encode([account])
        #expect(String(decoding: data, as: UTF8.self) == #"["user:42"]"#)
        #expect(try JSONDecoder().decode([AccountID].self, from: data) == [account])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([AccountID].self, from: Data(#"["bank:1"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try StrictJSONDecoder().decode([AccountID].self, from: Array("[42]".utf8)) }
    }

    @Test func ordersByStringForm() throws {
        let sorted = [try AccountID.user("2"), .clearing(.wechat), try .user("10"), .platform].sorted()
        #expect(sorted.map(\.description) == ["clearing:wechat", "platform:main", "user:10", "user:2"])
        let a = try AccountID.user("1")
        #expect(BalanceKey(account: a, bucket: .available) < BalanceKey(account: a, bucket: .frozen))
        #expect(!(BalanceKey(account: a, bucket: .frozen) < BalanceKey(account: a, bucket: .available)))
    }
}
