import Foundation
import PaystreamCore
import Redis
import Synchronization

/// An envelope's hot state in Redis, all under one hash tag so a Redis Cluster keeps it on one node:
/// `env:{<id>}` (hash: sender, expires_ms, receiver or group), `env:{<id>}:shares` (the shares left, a list of fen),
/// `env:{<id>}:grabbed` (user → "grabId|fen|ms") and `env:{<id>}:pending` (grabId → "user|fen|ms": grabs whose
/// transfer is not known to be committed yet; compensation re-drives and clears them). A group's members are the
/// set `grp:{<groupId>}:members` (``GroupMembers`` keeps it).
///
/// Guarantees: a grab is one Lua script (the seed's distributed lock): the envelope exists and has not
/// expired, the user is its receiver or a member of its group, the user has not grabbed it, a share is popped and the grab is recorded, all at once; so N
/// grabbers of a K-share envelope get exactly min(N, K) shares, one each, and the shares sum to the total.
/// Loading is idempotent: an envelope already in Redis is never loaded again (its shares are not refilled).
struct EnvelopeHotState: Sendable {
    let redis: RedisClient
    /// Prepended to every key (tests isolate themselves with one).
    let prefix: String
    /// Envelopes' groups as this process has learnt them from the grab script (a group never changes).
    let groupOf = EnvelopeGroups()

    func keys(_ envelopeID: String) -> [String] {
        let base = "\(prefix)env:{\(envelopeID)}"
        return [base, base + ":shares", base + ":grabbed", base + ":pending"]
    }

    static let load = RedisScript(EnvelopeScripts.load)

    /// Puts a funded envelope's shares in Redis (no-op when it is there already). Keys live until a day after
    /// the envelope expires.
    @discardableResult
    func load(envelopeID: String, sender: AccountID, audience: Audience, expiresAt: Date, shares: [Int64]) async throws -> Bool {
        let expiresMs = Int64(expiresAt.timeIntervalSince1970 * 1000)
        let reply = try await redis.evaluate(
            Self.load, keys: keys(envelopeID),
            arguments: [sender.description, String(expiresMs), String(expiresMs + 86_400_000), audience.receiver ?? "", audience.group ?? ""]
                + shares.map(String.init))
        return reply.string == "loaded"
    }

    static let reload = RedisScript(EnvelopeScripts.reload)

    /// Loads an envelope Redis lost: `shares` (those no grab took) as its list, and `grabbed` (user and
    /// "grabId|fen|ms") as already grabbed. Does nothing, and answers false, when Redis holds the envelope.
    func reload(
        envelopeID: String, sender: AccountID, audience: Audience, expiresAt: Date, shares: [Int64], grabbed: [(user: String, record: String)]
    ) async throws -> Bool {
        let expiresMs = Int64(expiresAt.timeIntervalSince1970 * 1000)
        let reply = try await redis.evaluate(
            Self.reload, keys: keys(envelopeID),
            arguments: [
                sender.description, String(expiresMs), String(expiresMs + 86_400_000), audience.receiver ?? "", audience.group ?? "",
                String(shares.count),
            ]
                + shares.map(String.init) + grabbed.flatMap { [$0.user, $0.record] })
        return reply.string == "reloaded"
    }

    /// Who may grab an envelope: its one receiver, or the members of its group. Neither is stored only for
    /// envelopes loaded before audiences were checked.
    struct Audience: Sendable, Equatable {
        var receiver: String?
        var group: String?

        /// The audience an envelope's row names, as the grab script is to check it: a receiver only if it is a user
        /// account, a group only if it exists. Rows written before audiences were checked carry free-text names
        /// (`family`, `bob`): such an envelope stays open to every user, as it was when it was sent.
        static func of(receiver: String?, group: String?, groupExists: (String) async throws -> Bool) async throws -> Audience {
            let receiver = receiver.flatMap(AccountID.init).flatMap { $0.kind == .user ? $0.description : nil }
            var existing: String?
            if let group, try await groupExists(group) { existing = group }
            return Audience(receiver: receiver, group: existing)
        }

        var isOpen: Bool { receiver == nil && group == nil }
    }

    enum GrabResult: Equatable {
        case granted(grabID: String, amountFen: Int64, sender: String)
        case alreadyGrabbed(grabID: String, amountFen: Int64)
        case empty
        case expired
        case unknown
        /// The user is neither the envelope's receiver nor a member of its group.
        case outsider
        /// The envelope is sent to this group, not to the one the grab named (or none).
        case group(String)
        /// Redis does not hold the members of the envelope's group.
        case membersUnknown
    }

    static let grab = RedisScript(EnvelopeScripts.grab)

    /// The key of a group's members set.
    func membersKey(_ groupID: String) -> String { "\(prefix)grp:{\(groupID)}:members" }

    /// One grab script call. `group` is the envelope's group as the caller believes it (nil when it does not know):
    /// a wrong belief is answered `.group` with the right one, and nothing else happens.
    func grab(envelopeID: String, user: AccountID, grabID: String, now: Date, group: String?) async throws -> GrabResult {
        let k = keys(envelopeID)
        let reply = try await redis.multiplexed.evaluate(
            Self.grab, keys: k + [group.map(membersKey) ?? k[0] + ":nogroup"],
            arguments: [user.description, grabID, String(Int64(now.timeIntervalSince1970 * 1000)), group ?? ""])
        let fields = reply.elements?.compactMap(\.string) ?? []
        switch fields.first {
        case "ok":
            guard fields.count == 3, let fen = Int64(fields[1]) else { throw EnvelopeStateError("grab script answered \(fields)") }
            return .granted(grabID: grabID, amountFen: fen, sender: fields[2])
        case "already":
            let parts = fields.count == 2 ? fields[1].split(separator: "|").map(String.init) : []
            guard parts.count == 3, let fen = Int64(parts[1]) else { throw EnvelopeStateError("grab script answered \(fields)") }
            return .alreadyGrabbed(grabID: parts[0], amountFen: fen)
        case "empty": return .empty
        case "expired": return .expired
        case "unknown": return .unknown
        case "outsider": return .outsider
        case "group" where fields.count == 2 && !fields[1].isEmpty: return .group(fields[1])
        case "members_unknown": return .membersUnknown
        default: throw EnvelopeStateError("grab script answered \(fields)")
        }
    }

    static let close = RedisScript(EnvelopeScripts.close)

    /// Closes the envelope to grabs, whatever the clocks of the APIs that ask (the grab script compares the time the
    /// API sends): the expiry job does it before it reads the pending grabs, so a grab either is among them or is
    /// refused.
    func close(envelopeID: String) async throws {
        _ = try await redis.evaluate(Self.close, keys: [keys(envelopeID)[0]], arguments: [])
    }

    struct Grab: Sendable, Equatable, Encodable {
        var grabId: String
        var user: String
        var amountFen: Int64
    }

    /// The envelope as Redis has it, or nil when Redis does not (expired keys, or a lost Redis).
    func snapshot(envelopeID: String) async throws -> (sharesLeft: Int, grabs: [Grab])? {
        let k = keys(envelopeID)
        let replies = try await redis.pipeline([["EXISTS", k[0]], ["LLEN", k[1]], ["HGETALL", k[2]]])
        guard case .success(let exists) = replies[0], exists.int64 == 1,
            case .success(let length) = replies[1], case .success(let grabbed) = replies[2]
        else { return nil }
        let flat = grabbed.elements?.compactMap(\.string) ?? []
        var grabs: [Grab] = []
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            let parts = flat[index + 1].split(separator: "|").map(String.init)
            guard parts.count == 3, let fen = Int64(parts[1]) else { continue }
            grabs.append(Grab(grabId: parts[0], user: flat[index], amountFen: fen))
        }
        return (Int(length.int64 ?? 0), grabs.sorted { $0.grabId < $1.grabId })
    }

    /// A grab recorded in Redis whose transfer may not be committed yet.
    struct PendingGrab: Sendable, Equatable {
        let grabID: String
        let user: String
        let amountFen: Int64
        let atMs: Int64
    }

    /// The pending grabs of one envelope.
    func pending(envelopeID: String) async throws -> [PendingGrab] {
        try await pending(envelopeIDs: [envelopeID])[0]
    }

    /// The pending grabs of each of `envelopeIDs` (in their order), read in one round trip.
    func pending(envelopeIDs: [String]) async throws -> [[PendingGrab]] {
        if envelopeIDs.isEmpty { return [] }
        let replies = try await redis.pipeline(envelopeIDs.map { ["HGETALL", keys($0)[3]] })
        return try replies.map { reply in
            let flat = try reply.get().elements?.compactMap(\.string) ?? []
            var grabs: [PendingGrab] = []
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                let parts = flat[index + 1].split(separator: "|").map(String.init)
                guard parts.count == 3, let fen = Int64(parts[1]), let at = Int64(parts[2]) else { continue }
                grabs.append(PendingGrab(grabID: flat[index], user: parts[0], amountFen: fen, atMs: at))
            }
            return grabs
        }
    }

    func clearPending(envelopeID: String, grabIDs: [String]) async throws {
        if grabIDs.isEmpty { return }
        _ = try await redis.send(["HDEL", keys(envelopeID)[3]] + grabIDs)
    }
}

/// Each envelope's group as the grab script told it (an envelope's group never changes), so that a grab names the
/// right members set at once. Bounded: forgotten all at once when full, and learnt again from the script.
final class EnvelopeGroups: Sendable {
    private let groups = Mutex<[String: String]>([:])
    static let capacity = 100_000

    subscript(envelopeID: String) -> String? { groups.withLock { $0[envelopeID] } }

    func learn(_ group: String, of envelopeID: String) {
        groups.withLock {
            if $0.count >= Self.capacity { $0.removeAll(keepingCapacity: true) }
            $0[envelopeID] = group
        }
    }
}

struct EnvelopeStateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
