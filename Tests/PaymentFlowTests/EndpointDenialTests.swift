import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Every secured operation of docs/openapi.json (which OpenAPIContractTests keeps equal to the routes), denied
/// twice against the real API: with no identity at all (401), and with the wrong kind of identity (403): a
/// user's signature where an operator's session is needed (`auth.admin_required`), an operator's session where
/// an account is needed (`auth.account_required`). A route added later is in the table without anyone
/// remembering to add it.
@Suite(.serialized) struct EndpointDenialTests {
    struct Operation: CustomStringConvertible {
        let method: String
        let path: String
        /// The security alternatives: each a set of scheme names (`signature`, `session`).
        let security: [Set<String>]
        var description: String { "\(method) \(path)" }
        /// Only an operator's session opens it.
        var adminOnly: Bool { security == [["session"]] }
        /// A session alone (an operator's) is one of the ways in: it reads what it may see.
        var sessionAlone: Bool { security.contains(["session"]) }
        /// The path with every parameter filled with a well-formed but unknown value.
        var concretePath: String {
            path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "RC20260101000000AAAAAAAAAA", options: .regularExpression)
        }
    }

    static func securedOperations() throws -> [Operation] {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("docs/openapi.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [Operation] = []
        for (path, item) in paths {
            for (method, value) in item {
                guard let operation = value as? [String: Any], let security = operation["security"] as? [[String: Any]], !security.isEmpty
                else { continue }
                operations.append(Operation(method: method.uppercased(), path: path, security: security.map { Set($0.keys) }))
            }
        }
        return operations.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    @Test func everySecuredOperationIsDeniedWithoutAnIdentityAndWithTheWrongOne() async throws {
        let operations = try Self.securedOperations()
        #expect(operations.count >= 20, "only \(operations.count) secured operations found")
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("denied", fen: 1_000)
            let before = try await h.balance(user)
            var checked = 0
            for operation in operations {
                let url = h.apiURL + operation.concretePath
                let method: HTTPMethod = operation.method == "GET" ? .GET : operation.method == "DELETE" ? .DELETE : .POST
                let body = method == .POST ? "{}" : nil

                let anonymous = try await h.send(method, url, json: body, headers: ["X-Paystream-Unsigned": "1"])
                #expect(anonymous.status == 401, "\(operation) without an identity: \(anonymous.status) \(anonymous.text)")

                if operation.adminOnly {
                    let asUser = try await h.send(method, url, json: body, headers: ["X-Paystream-Account": user])
                    #expect(asUser.status == 403 && asUser.string("code") == "auth.admin_required", "\(operation) as a user: \(asUser.text)")
                } else if !operation.sessionAlone {
                    let asAdmin = try await h.send(method, url, json: body, headers: ["X-Paystream-Admin": "ops-denied"])
                    #expect(asAdmin.status == 403 && asAdmin.string("code") == "auth.account_required", "\(operation) as an operator: \(asAdmin.text)")
                }
                checked += 1
            }
            #expect(checked == operations.count)
            #expect(try await h.balance(user) == before)
        }
    }
}
