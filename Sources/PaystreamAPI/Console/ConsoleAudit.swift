import Foundation
import Logging
import Postgres

/// The console's audit trail (`console_audit`, append-only by trigger): who did what to which subject, and how
/// it came out. Written for every sign-in attempt and every action, refused ones included.
struct ConsoleAudit: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    enum Outcome: String, Sendable { case done, refused, failed }

    struct Row: Sendable {
        var at: Date
        var admin: String
        var action: String
        var subject: String
        var outcome: String
        var detail: String
    }

    /// Records one action; false when the row could not be written. A failure is logged loudly and not hidden
    /// from the operator: the page after the action says the audit row is missing.
    @discardableResult
    func record(
        admin: String, action: String, subject: String, outcome: Outcome, detail: String = "", correlationID: String
    ) async -> Bool {
        do {
            _ = try await postgres.execute(
                """
                INSERT INTO console_audit (admin_login, action, subject, outcome, detail, correlation_id)
                VALUES (\(String(admin.prefix(128))), \(action), \(String(subject.prefix(256))), \(outcome.rawValue),
                        \(String(detail.prefix(2000))), \(correlationID))
                """)
            return true
        } catch {
            logger.error(
                "console audit row not written",
                metadata: ["admin": "\(admin)", "action": "\(action)", "subject": "\(subject)", "error": "\(error)", "correlation_id": "\(correlationID)"])
            return false
        }
    }

    /// Runs an operator's decision made through the JSON API and records it, prefixed "JSON API:": done with
    /// `detail(result)`, refused with the API's code and message, or failed with the error. The decision's outcome
    /// (its result or its error) is passed on unchanged.
    func decision<Result>(
        admin: String, action: String, subject: String, correlationID: String, _ decide: () async throws -> Result,
        detail: (Result) -> String
    ) async throws -> Result {
        do {
            let result = try await decide()
            await record(
                admin: admin, action: action, subject: subject, outcome: .done, detail: "JSON API: \(detail(result))",
                correlationID: correlationID)
            return result
        } catch let error as APIError {
            await record(
                admin: admin, action: action, subject: subject, outcome: .refused, detail: "JSON API: \(error.code): \(error.message)",
                correlationID: correlationID)
            throw error
        } catch {
            await record(admin: admin, action: action, subject: subject, outcome: .failed, detail: "JSON API: \(error)", correlationID: correlationID)
            throw error
        }
    }

    /// The latest `limit` rows, newest first, optionally of one operator.
    func recent(limit: Int, admin: String?) async throws -> [Row] {
        let rows = try await postgres.query(
            """
            SELECT at, admin_login, action, subject, outcome, detail FROM console_audit
            WHERE \(admin)::text IS NULL OR admin_login = \(admin) ORDER BY audit_id DESC LIMIT \(limit)
            """)
        return try rows.map { row in
            Row(
                at: try row.decode(Date.self, column: "at"), admin: try row.decode(String.self, column: "admin_login"),
                action: try row.decode(String.self, column: "action"), subject: try row.decode(String.self, column: "subject"),
                outcome: try row.decode(String.self, column: "outcome"), detail: try row.decode(String.self, column: "detail"))
        }
    }
}
