import Cryptography
import Foundation
import Logging
import PaystreamCore
import Postgres
import Redis
import Synchronization

/// Groups of users an envelope can be sent to, kept in PostgreSQL (`user_groups`, `user_group_members`: the truth)
/// with each group's members mirrored in Redis (`grp:{<groupId>}:members`) for the grab script, which refuses
/// every user outside an envelope's group.
///
/// Guarantees:
/// - The owner (who made the group) is a member and stays one; members are users; a group has at most
///   ``maxMembers``.
/// - Redis never holds a member PostgreSQL does not, once both are settled: a change locks the group's row
///   (`FOR UPDATE`), is written to PostgreSQL, applied to the Redis set if Redis holds one, then committed; a load
///   locks the row `FOR SHARE` while it reads the members and puts them in Redis, so the two never interleave. A
///   change that fails anywhere, its commit included, deletes the Redis set, and the next grab that needs it loads
///   it again from PostgreSQL.
/// - A set Redis lost is loaded again when a grab needs it, by one loader at a time; the set always holds the empty
///   string as well, so a group with no members is told from a set Redis lacks. Sets do not expire: a group's
///   members cost Redis memory from the first grab of one of its envelopes on (about 60 bytes a member).
struct GroupMembers: Sendable {
    let postgres: PostgresClient
    let envelopes: EnvelopeHotState
    let logger: Logger

    static let maxMembers = 100_000
    /// Members one request may add.
    static let maxMembersPerRequest = 1_000
    /// How long one loader may hold a group's load (far longer than reading 100,000 members takes).
    static let loadLockSeconds = 60

    struct Group: Encodable, Sendable {
        var groupId: String
        var name: String
        var owner: String
        var memberCount: Int
        /// The members in account order, at most ``GroupMembers/maxMembersPerRequest`` of them.
        var members: [String]
    }

    /// Parses the members a client sent: users only, each once.
    static func users(_ members: [String], field: String) throws(APIError) -> [String] {
        guard members.count <= maxMembersPerRequest else {
            throw APIError.badRequest("group.too_many_members", "\(field) takes at most \(maxMembersPerRequest) accounts per request")
        }
        var seen = Set<String>()
        for member in members {
            guard let account = AccountID(member), account.kind == .user else {
                throw APIError.badRequest("group.invalid_member", "\(field) must list user accounts (user:<name>); \"\(member.prefix(80))\" is not one")
            }
            seen.insert(account.description)
        }
        return seen.sorted()
    }

    /// Makes a group owned by `owner`, with `members` (the owner among them whether listed or not).
    func create(owner: AccountID, name: String, members: [String]) async throws -> Group {
        let groupID = OrderNumbers.make(.group)
        let all = Array(Set(members + [owner.description])).sorted()
        try await postgres.withTransaction { connection in
            try await connection.execute(
                "INSERT INTO user_groups (group_id, name, owner_account) VALUES (\(groupID), \(name), \(owner.description))")
            try await connection.execute(
                """
                INSERT INTO user_group_members (group_id, account_id)
                SELECT \(groupID), member FROM unnest(\(all)::text[]) AS member
                """)
        }
        return Group(groupId: groupID, name: name, owner: owner.description, memberCount: all.count, members: all)
    }

    /// The group as its member `caller` sees it; 404 `group.not_found` for anyone else (a group's existence is
    /// its members' business).
    func group(_ groupID: String, as caller: AccountID) async throws -> Group {
        guard OrderNumbers.isWellFormed(groupID), let group = try await read(groupID), try await isMember(caller, of: groupID) else {
            throw APIError.notFound("group.not_found", "no group \(groupID) of yours")
        }
        return group
    }

    /// Adds `members` (the owner only: 403 `group.owner_only` for another member); 409 `group.full` past
    /// ``maxMembers``. Members already in are left as they are.
    func add(_ members: [String], to groupID: String, by caller: AccountID) async throws -> Group {
        try await change(groupID, by: caller, operation: "add", members: members) { connection, owner in
            guard owner == caller.description else { throw APIError.forbidden("group.owner_only", "only the group's owner adds members") }
            try await connection.execute(
                """
                INSERT INTO user_group_members (group_id, account_id)
                SELECT \(groupID), member FROM unnest(\(members)::text[]) AS member
                ON CONFLICT DO NOTHING
                """)
            let count = try await connection.query("SELECT count(*) AS n FROM user_group_members WHERE group_id = \(groupID)")
            let n = try count.first?.decode(Int64.self, column: "n") ?? 0
            guard n <= Self.maxMembers else {
                throw APIError.conflict("group.full", "a group has at most \(Self.maxMembers) members; this would make \(n)")
            }
        }
    }

    /// Removes `member`: the owner removes anyone but themself (409 `group.owner_stays`), a member removes only
    /// themself (leaves; 403 `group.owner_only` otherwise). Removing one who is not a member changes nothing.
    func remove(_ member: String, from groupID: String, by caller: AccountID) async throws -> Group {
        try await change(groupID, by: caller, operation: "remove", members: [member]) { connection, owner in
            guard member == caller.description || owner == caller.description else {
                throw APIError.forbidden("group.owner_only", "only the group's owner removes other members")
            }
            guard member != owner else { throw APIError.conflict("group.owner_stays", "the owner stays a member of their group") }
            guard AccountID(member) != nil else { return }  // names no account, so no member
            try await connection.execute("DELETE FROM user_group_members WHERE group_id = \(groupID) AND account_id = \(member)")
        }
    }

    /// Locks the group's row, checks the caller is a member (404 otherwise), runs `body` with the owner, applies the
    /// change to Redis's set if it holds one, commits; on any failure Redis's set is deleted (loaded again when
    /// needed) and the error thrown.
    private func change(
        _ groupID: String, by caller: AccountID, operation: String, members: [String],
        _ body: @Sendable (PostgresConnection, String) async throws -> Void
    ) async throws -> Group {
        guard OrderNumbers.isWellFormed(groupID) else { throw APIError.notFound("group.not_found", "no group \(groupID) of yours") }
        let key = envelopes.membersKey(groupID)
        do {
            try await postgres.withTransaction { connection in
                let rows = try await connection.query(
                    """
                    SELECT g.owner_account,
                           EXISTS (SELECT 1 FROM user_group_members m WHERE m.group_id = g.group_id AND m.account_id = \(caller.description)) AS member
                    FROM user_groups g WHERE g.group_id = \(groupID) FOR UPDATE OF g
                    """)
                guard let row = rows.first, try row.decode(Bool.self, column: "member") else {
                    throw APIError.notFound("group.not_found", "no group \(groupID) of yours")
                }
                try await body(connection, try row.decode(String.self, column: "owner_account"))
                _ = try await envelopes.redis.evaluate(Self.changeScript, keys: [key], arguments: [operation] + members)
            }
        } catch let error as APIError {
            throw error  // refused before Redis was written
        } catch {
            await forget(groupID, after: error)
            throw error
        }
        guard let group = try await read(groupID) else { throw APIError.notFound("group.not_found", "no group \(groupID)") }
        return group
    }

    static let changeScript = RedisScript(EnvelopeScripts.groupChange)
    static let loadScript = RedisScript(EnvelopeScripts.groupLoad)

    /// Puts the group's members in Redis from PostgreSQL, unless Redis holds them already; false when another
    /// loader has the group (its grabs are asked to try again). A group that does not exist is loaded as one without
    /// members (every grab of its envelopes is refused).
    ///
    /// One loader per group at a time, across processes (a Redis lock of ``loadLockSeconds``): when Redis lost a busy
    /// group, its grabs do not each read 100,000 members. The members set is put in place only by the load script,
    /// inside the transaction holding the group's row `FOR SHARE`; if that transaction then fails (its session lost,
    /// so the lock may have been released early and a change applied meanwhile), the set is deleted again, to be
    /// loaded afresh. The scratch set expires in ``loadLockSeconds`` should this process die half-way.
    func loadIntoRedis(_ groupID: String) async throws -> Bool {
        let key = envelopes.membersKey(groupID)
        let lock = key + ":loading"
        let scratch = lock + ":" + Hex.encode(SecureRandom.bytes(count: 8))
        guard case .status = try await envelopes.redis.send(["SET", lock, scratch, "NX", "EX", String(Self.loadLockSeconds)]) else {
            return false
        }
        let placed = Mutex(false)
        do {
            try await postgres.withTransaction { connection in
                _ = try await connection.query("SELECT 1 FROM user_groups WHERE group_id = \(groupID) FOR SHARE")
                let rows = try await connection.query("SELECT account_id FROM user_group_members WHERE group_id = \(groupID)")
                let members = try rows.map { try $0.decode(String.self, column: "account_id") }
                let chunks = stride(from: 0, to: max(members.count, 1), by: 1_000).map { Array(members[$0..<min($0 + 1_000, members.count)]) }
                for (index, chunk) in chunks.enumerated() {
                    _ = try await envelopes.redis.send(["SADD", scratch] + (index == 0 ? [""] : []) + chunk)
                    if index == 0 { _ = try await envelopes.redis.send(["EXPIRE", scratch, String(Self.loadLockSeconds)]) }
                }
                let reply = try await envelopes.redis.evaluate(Self.loadScript, keys: [key, scratch])
                placed.withLock { $0 = reply.int64 == 1 }
            }
        } catch {
            _ = try? await envelopes.redis.send(["DEL", scratch])
            if placed.withLock({ $0 }) { await forget(groupID, after: error) }
            _ = try? await envelopes.redis.send(["DEL", lock])
            throw error
        }
        _ = try? await envelopes.redis.send(["DEL", lock])
        return true
    }

    /// Deletes the group's members set after a failure that may have left it out of step with PostgreSQL; it is
    /// loaded again by the next grab that needs it. A delete that fails too is logged loudly: the set may then be
    /// wrong until an operator deletes it (`DEL <prefix>grp:{<groupId>}:members`).
    private func forget(_ groupID: String, after error: any Error) async {
        do {
            _ = try await envelopes.redis.send(["DEL", envelopes.membersKey(groupID)])
        } catch let cleanup {
            logger.critical(
                "a group's members set in Redis may be out of step with PostgreSQL and could not be deleted; delete it by hand",
                metadata: ["group_id": "\(groupID)", "key": "\(envelopes.membersKey(groupID))", "error": "\(error)", "cleanup_error": "\(cleanup)"])
        }
    }

    /// True when the group exists.
    func exists(_ groupID: String) async throws -> Bool {
        guard OrderNumbers.isWellFormed(groupID) else { return false }
        return try await !postgres.query("SELECT 1 FROM user_groups WHERE group_id = \(groupID)").isEmpty
    }

    /// True when `account` is a member of `groupID`.
    func isMember(_ account: AccountID, of groupID: String) async throws -> Bool {
        guard OrderNumbers.isWellFormed(groupID) else { return false }
        return try await !postgres.query(
            "SELECT 1 FROM user_group_members WHERE group_id = \(groupID) AND account_id = \(account.description)"
        ).isEmpty
    }

    /// Which of `groupIDs` have `account` as a member (a text that could not be a group's id is none).
    func memberships(of account: AccountID, among groupIDs: [String]) async throws -> Set<String> {
        let groupIDs = groupIDs.filter(OrderNumbers.isWellFormed)
        if groupIDs.isEmpty { return [] }
        let rows = try await postgres.query(
            "SELECT group_id FROM user_group_members WHERE account_id = \(account.description) AND group_id = ANY(\(groupIDs)::text[])")
        return Set(try rows.map { try $0.decode(String.self, column: "group_id") })
    }

    private func read(_ groupID: String) async throws -> Group? {
        let rows = try await postgres.query(
            """
            SELECT g.name, g.owner_account, (SELECT count(*) FROM user_group_members m WHERE m.group_id = g.group_id) AS n,
                   ARRAY(SELECT account_id FROM user_group_members m WHERE m.group_id = g.group_id
                         ORDER BY account_id LIMIT \(Self.maxMembersPerRequest)) AS members
            FROM user_groups g WHERE g.group_id = \(groupID)
            """)
        guard let row = rows.first else { return nil }
        return Group(
            groupId: groupID, name: try row.decode(String.self, column: "name"), owner: try row.decode(String.self, column: "owner_account"),
            memberCount: Int(try row.decode(Int64.self, column: "n")), members: try row.decode([String].self, column: "members"))
    }
}
