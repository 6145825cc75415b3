import BlockingIO
import Synchronization
import Cryptography
import Foundation
import PaystreamCore
import Postgres

/// Password logins of merchants and back-office operators.
///
/// Guarantees: passwords are stored only as ``PasswordHasher`` hashes (scrypt by default, per-login salt,
/// parameters in the stored text) and checked in constant time; after ``maxFailures`` failures in a row the
/// login name is locked for ``lockout`` (also against the right password), and a success or a new password
/// resets the count. Nothing tells which logins exist: failures are counted per name (table `login_failures`)
/// whether the login exists or not, so an unknown name is locked after the same failures with the same answer,
/// and every attempt, locked or not, known or not, costs one password hash. An attempt is counted as a failure
/// before its password is checked, in one statement that refuses it while the name is locked (and locks the name at
/// the ``maxFailures``th): however many guesses arrive at once, at most ``maxFailures`` are checked before the lock.
/// Setting a login's password raises its password generation, which ends every session opened before
/// (``Principal/generation``, ``generation(of:)``).
public struct Logins: Sendable {
    public enum Role: String, Sendable, Codable { case merchant, admin }

    public let postgres: PostgresClient
    public let hasher: PasswordHasher
    public static let maxFailures = 5
    public static let lockout: TimeInterval = 15 * 60
    /// Password hashing (about 0.25 s and 32 MiB per scrypt hash) runs here, one hash at a time per process:
    /// never on the cooperative pool, and a flood of logins queues instead of exhausting memory.
    static let hashing = BlockingExecutor(label: "paystream.password-hashing")

    public init(postgres: PostgresClient, hasher: PasswordHasher = PasswordHasher()) {
        self.postgres = postgres
        self.hasher = hasher
    }

    public struct Principal: Sendable, Equatable {
        public let login: String
        public let role: Role
        /// The merchant account of a merchant login.
        public let account: AccountID?
        /// The login's password generation when the password was checked: a session issued for this principal is
        /// valid only while the login still has it.
        public let generation: Int64

        public init(login: String, role: Role, account: AccountID?, generation: Int64) {
            self.login = login
            self.role = role
            self.account = account
            self.generation = generation
        }
    }

    public enum Outcome: Sendable, Equatable {
        case accepted(Principal)
        case rejected
        case locked(until: Date)
        /// ``maxHashesInFlight`` attempts are being hashed already: this one is not counted nor checked, and is to
        /// be tried again in a moment.
        case busy
    }

    /// Attempts one process hashes or queues for hashing at once. Hashing is one thread, on purpose slow (scrypt,
    /// tens of milliseconds each): without a bound, a flood of guesses queued every sign-in behind it for minutes.
    /// With it, a flood costs the thread no more than this many hashes ahead of a genuine attempt, and the rest are
    /// refused at once.
    public static let maxHashesInFlight = 8
    static let hashesInFlight = Atomic<Int>(0)

    /// Creates (or replaces the password of) a login. `account` is required for, and only for, a merchant.
    /// Replacing raises the login's password generation, so every session opened before is refused from its next
    /// request on.
    public func create(login: String, role: Role, account: AccountID?, password: String) async throws {
        try await save(login: login, role: role, account: account, password: password, replacing: true)
    }

    /// Creates a login with `password` unless one of that name exists with the same role and account, which is kept
    /// as it is, its sessions too; unlocks it either way. For identities that tests and benchmarks make, each process
    /// its own session of a shared operator login: ``create(login:role:account:password:)`` would end the sessions of
    /// the others.
    public func ensure(login: String, role: Role, account: AccountID?, password: String) async throws {
        try await save(login: login, role: role, account: account, password: password, replacing: false)
    }

    /// Inserts the login, or updates it (and raises its generation) when `replacing` or when its role or account differ.
    private func save(login: String, role: Role, account: AccountID?, password: String, replacing: Bool) async throws {
        let hash = try await hashOffThread(password)
        try await postgres.execute(
            """
            INSERT INTO logins AS l (login, role, account_id, password_hash) VALUES (\(login), \(role.rawValue), \(account?.description), \(hash))
            ON CONFLICT (login) DO UPDATE SET role = EXCLUDED.role, account_id = EXCLUDED.account_id,
                password_hash = EXCLUDED.password_hash, password_generation = l.password_generation + 1
            WHERE \(replacing) OR l.role IS DISTINCT FROM EXCLUDED.role OR l.account_id IS DISTINCT FROM EXCLUDED.account_id
            """)
        try await postgres.execute("DELETE FROM login_failures WHERE login = \(login)")
    }

    /// `now` is the caller's clock for an answer about a lock it cannot read; the lock itself is kept on the
    /// database's clock.
    public func verify(login: String, password: String, now: Date = Date()) async throws -> Outcome {
        guard Self.hashesInFlight.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue <= Self.maxHashesInFlight else {
            Self.hashesInFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
            return .busy
        }
        defer { Self.hashesInFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing) }
        guard let reservation = try await reserveAttempt(login) else {
            let lock = try await postgres.query("SELECT locked_until FROM login_failures WHERE login = \(login)")
            _ = try? await hashOffThread(password)  // the same work as any other attempt
            return .locked(until: try lock.first?.decode(Date?.self, column: "locked_until") ?? now.addingTimeInterval(Self.lockout))
        }
        let failed: Outcome = reservation.lockedUntil.map { .locked(until: $0) } ?? .rejected
        let rows = try await postgres.query("SELECT role, account_id, password_hash, password_generation FROM logins WHERE login = \(login)")
        guard let row = rows.first else {
            _ = try? await hashOffThread(password)  // the same work as for a known login
            return failed
        }
        let stored = try row.decode(String.self, column: "password_hash")
        let hasher = self.hasher
        let matches = try await Self.hashing.run { try hasher.verify(password: password, against: stored) }
        guard matches, let role = Role(rawValue: try row.decode(String.self, column: "role")) else { return failed }
        try await postgres.execute("DELETE FROM login_failures WHERE login = \(login)")
        let account = try row.decode(String?.self, column: "account_id").flatMap(AccountID.init)
        return .accepted(
            Principal(login: login, role: role, account: account, generation: try row.decode(Int64.self, column: "password_generation")))
    }

    /// The login's current password generation; nil when there is no such login.
    public func generation(of login: String) async throws -> Int64? {
        let rows = try await postgres.query("SELECT password_generation FROM logins WHERE login = \(login)")
        return try rows.first?.decode(Int64.self, column: "password_generation")
    }

    /// Counts the attempt as a failure before its password is checked (a success deletes the count): nil while
    /// `login` is locked, else the lock this attempt set, as the ``maxFailures``th in a row. Prunes the counts of
    /// names that have not failed for a day.
    private func reserveAttempt(_ login: String) async throws -> Reservation? {
        let counted = try await postgres.query(
            """
            INSERT INTO login_failures AS f (login, failed_attempts, locked_until, last_failed_at)
            VALUES (\(login), 1, CASE WHEN 1 >= \(Self.maxFailures) THEN now() + \(Int(Self.lockout)) * interval '1 second' END, now())
            ON CONFLICT (login) DO UPDATE SET failed_attempts = f.failed_attempts + 1,
                locked_until = CASE WHEN f.failed_attempts + 1 >= \(Self.maxFailures)
                                    THEN now() + \(Int(Self.lockout)) * interval '1 second' END,
                last_failed_at = now()
            WHERE f.locked_until IS NULL OR f.locked_until <= now()
            RETURNING locked_until
            """)
        try await postgres.execute(
            """
            DELETE FROM login_failures WHERE login IN (
                SELECT login FROM login_failures WHERE last_failed_at < now() - interval '1 day' LIMIT 100)
            """)
        guard let row = counted.first else { return nil }
        return Reservation(lockedUntil: try row.decode(Date?.self, column: "locked_until"))
    }

    /// An attempt let through to its password check; `lockedUntil` when it is the one that locked the name.
    private struct Reservation {
        let lockedUntil: Date?
    }

    private func hashOffThread(_ password: String) async throws -> String {
        let hasher = self.hasher
        return try await Self.hashing.run { try hasher.hash(password) }
    }
}
