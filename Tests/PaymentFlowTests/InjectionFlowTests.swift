import Foundation
import PaystreamCore
import TestSupport
import Testing

/// SQL injection strings in every text field of every JSON request body the OpenAPI document describes (the
/// document's own example body, one string field replaced at a time), sent as the identity the operation
/// needs, against the real API and PostgreSQL: no answer is a server error, the tables are all there, and a
/// bystander's money does not move. The channels' notifies are left to NotifyFuzzTests (their bodies are the
/// channels' signed formats).
@Suite(.serialized) struct InjectionFlowTests {
    static let injections = [
        "'; DROP TABLE orders; --", "\" OR 1=1 --", "Robert'); DELETE FROM accounts;--", "$$; TRUNCATE postings; $$",
        "1; UPDATE accounts SET available_fen = 999999999", "' UNION SELECT password_hash FROM logins --",
    ]

    struct Target: CustomStringConvertible {
        let path: String
        let example: [String: Any]
        let textFields: [String]
        let security: [Set<String>]
        var description: String { "POST \(path)" }
    }

    static func targets() throws -> [Target] {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("docs/openapi.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        func resolve(_ schema: [String: Any]) -> [String: Any] {
            guard let reference = schema["$ref"] as? String else { return schema }
            return schemas[String(reference.split(separator: "/").last ?? "")] ?? [:]
        }
        var targets: [Target] = []
        for (path, item) in paths where !path.hasPrefix("/notify/") {
            guard let operation = item["post"] as? [String: Any],
                let json = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any],
                let schema = json["schema"] as? [String: Any]
            else { continue }
            let properties = resolve(schema)["properties"] as? [String: [String: Any]] ?? [:]
            let text = properties.filter { resolve($0.value)["type"] as? String == "string" }.map(\.key).sorted()
            guard !text.isEmpty else { continue }
            let security = (operation["security"] as? [[String: Any]] ?? []).map { Set($0.keys) }
            targets.append(Target(path: path, example: json["example"] as? [String: Any] ?? [:], textFields: text, security: security))
        }
        return targets.sorted { $0.path < $1.path }
    }

    @Test func injectionStringsInEveryTextFieldAreRefusedOrStoredAndMoveNothing() async throws {
        let targets = try Self.targets()
        #expect(targets.count >= 10, "only \(targets.count) operations with text fields found")
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("inject", fen: 50_000)
            let bystander = try await h.fundedUser("bystander", fen: 10_000)
            let shop = "merchant:inject\(h.prefix.suffix(6))"
            let bystanderBefore = try await h.balance(bystander)
            let userBefore = try await h.balance(user)
            var sent = 0
            for target in targets {
                let path = target.path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "RC20260101000000AAAAAAAAAA", options: .regularExpression)
                for field in target.textFields {
                    for injection in Self.injections {
                        var body = target.example
                        body[field] = injection
                        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
                        let reply: FlowHarness.Reply =
                            if target.security == [["session"]] {
                                try await h.post(path, json, admin: "ops-inject")
                            } else if target.security.contains(["signature", "session"]) {
                                try await h.post(path, json, as: shop)
                            } else if target.security.isEmpty {
                                try await h.send(.POST, h.apiURL + path, json: json)
                            } else {
                                try await h.post(path, json, as: user)
                            }
                        #expect(reply.status < 500, "\(target) \(field)=\(injection): \(reply.status) \(reply.text)")
                        sent += 1
                    }
                }
            }
            #expect(sent >= 60)
            #expect(try await h.count("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('orders','accounts','postings','logins','journal_entries')") == 5)
            #expect(try await h.balance(bystander) == bystanderBefore)
            // The user's own requests may have moved its money legitimately (a withdrawal to an odd openId is
            // frozen, not lost): it is all still there.
            let userAfter = try await h.balance(user)
            #expect(userAfter.available + userAfter.frozen == userBefore.available + userBefore.frozen)
            #expect(try await h.count("SELECT count(*) FROM accounts WHERE available_fen = 999999999") == 0)
        }
    }
}
