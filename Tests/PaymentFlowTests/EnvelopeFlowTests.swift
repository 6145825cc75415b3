import Foundation
import PaystreamCore
import Testing
import TestSupport

/// Red envelopes end to end: send (paid by WeChat Pay or from the wallet), split, grab storms, listing from
/// Redis and from PostgreSQL, expiry refunds and grab compensation by paystream-scheduler.
@Suite(.serialized) struct EnvelopeFlowTests {
    struct GrabOutcome: Sendable { let user: String; let status: Int; let amountFen: Int64?; let code: String? }

    static func grabStorm(_ h: FlowHarness, envelope: String, users: [String]) async throws -> [GrabOutcome] {
        // Every grabber has its API client and a one-time token before the storm, as real clients do.
        try await h.identities.provision(users.compactMap(AccountID.init))
        try await h.identities.prefetchTokens(users.compactMap(AccountID.init))
        return try await withThrowingTaskGroup(of: GrabOutcome.self) { group in
            for user in users {
                group.addTask {
                    let reply = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user)
                    return GrabOutcome(user: user, status: reply.status, amountFen: reply.int("amountFen"), code: reply.string("code"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// The answer to a request made in the background, once it came.
    actor Answer {
        var reply: FlowHarness.Reply?
        func set(_ reply: FlowHarness.Reply) { self.reply = reply }
    }

    /// A funded envelope (paid by WeChat Pay in the sandbox) of `shares` shares, ready to grab, sent to a new group
    /// of the sender and `grabbers` (or to `group`, when given).
    static func fundedEnvelope(
        _ h: FlowHarness, sender: String, totalFen: Int64, shares: Int, mode: String = "random", expiresIn: Int = 86_400,
        grabbers: [String] = [], group: String? = nil
    ) async throws -> String {
        var groupID = group ?? ""
        if group == nil { groupID = try await h.group(owner: sender, members: grabbers) }
        let sent = try await h.post(
            "/v1/envelopes", #"{"totalFen":\#(totalFen),"shares":\#(shares),"mode":"\#(mode)","greeting":"新年快乐","expiresInSeconds":\#(expiresIn),"groupId":"\#(groupID)","payWith":"wechat"}"#,
            as: sender)
        #expect(sent.status == 201, "\(sent.text)")
        let id = try #require(sent.string("envelopeId"), "\(sent.text)")
        #expect(sent.string("codeUrl")?.hasPrefix("weixin://") == true)
        // Not grabbable before it is paid (asked by the sender, a member of its group).
        let early = try await h.post("/v1/envelopes/\(id)/grab", "{}", as: sender)
        #expect(early.status == 409 && early.string("code") == "envelope.not_funded", "\(early.text)")
        try await h.pay("wechat", id)
        #expect(await h.waitFor(id, status: "funded"))
        #expect(await eventually(timeoutSeconds: 30) { (try? await h.get("/v1/envelopes/\(id)", as: sender).string("source")) == "redis" })
        return id
    }

    @Test func aHundredSharesAmongAThousandGrabbers() async throws {
        try await FlowHarness.run { h in
            let sender = "user:boss\(h.prefix.suffix(6))"
            let users = (0..<1000).map { "user:g\($0)x\(h.prefix.suffix(6))" }
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 100_000, shares: 100, grabbers: users)
            #expect(try await h.balance(sender) == (0, 100_000))

            let outcomes = try await Self.grabStorm(h, envelope: envelope, users: users)
            let winners = outcomes.filter { $0.status == 200 }
            #expect(winners.count == 100)
            #expect(Set(winners.map(\.user)).count == 100)
            #expect(winners.reduce(0) { $0 + ($1.amountFen ?? 0) } == 100_000)
            #expect(winners.allSatisfy { ($0.amountFen ?? 0) >= 1 })
            #expect(outcomes.filter { $0.status == 410 && $0.code == "envelope.empty" }.count == 900)
            // A winner grabbing again gets the first grab back as a refusal, nothing more.
            let again = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: winners[0].user)
            #expect(again.status == 409 && again.string("code") == "envelope.already_grabbed")

            #expect(await h.waitFor(envelope, status: "finished"))
            for winner in winners.prefix(20) { #expect(try await h.balance(winner.user) == (winner.amountFen ?? -1, 0)) }
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeGrab'") == 100)
            #expect(try await h.balance(sender) == (0, 0))

            // The listing is the same from Redis and, once Redis has lost it, from PostgreSQL.
            let fromRedis = try await h.get("/v1/envelopes/\(envelope)", as: sender)
            #expect(fromRedis.string("source") == "redis")
            _ = try await h.redis(["DEL", "\(h.prefix):env:{\(envelope)}"])
            let fromPostgres = try await h.get("/v1/envelopes/\(envelope)", as: sender)
            #expect(fromPostgres.string("source") == "postgres")
            func grabs(_ reply: FlowHarness.Reply) -> [String] {
                ((reply.json["grabs"] as? [[String: Any]]) ?? []).map { "\($0["grabId"] ?? "")|\($0["user"] ?? "")|\($0["amountFen"] ?? "")" }
            }
            #expect(grabs(fromRedis).count == 100)
            #expect(grabs(fromRedis) == grabs(fromPostgres))
            #expect(fromRedis.int("grabbedFen") == fromPostgres.int("grabbedFen"))
            #expect(fromRedis.int("sharesLeft") == 0 && fromPostgres.int("sharesLeft") == 0)
        }
    }

    /// An envelope is grabbed by its audience only: the members of its group as they are at the grab (Redis's copy
    /// of them loaded again from PostgreSQL when lost), or its one receiver. Anyone else who learnt its id is refused
    /// with nothing taken, and is told it does not exist.
    @Test func anEnvelopeIsGrabbedOnlyByItsGroupOrItsReceiver() async throws {
        try await FlowHarness.run { h in
            let s = h.prefix.suffix(6)
            let sender = try await h.fundedUser("aud", fen: 10_000)
            let members = (0..<3).map { "user:am\($0)x\(s)" }
            let outsider = "user:ao\(s)"
            let group = try await h.group(owner: sender, members: members)
            func send(_ audience: String, fen: Int, shares: Int, as account: String) async throws -> FlowHarness.Reply {
                try await h.post(
                    "/v1/envelopes", #"{"totalFen":\#(fen),"shares":\#(shares),"mode":"equal",\#(audience)"payWith":"wallet"}"#, as: account)
            }
            func grab(_ envelope: String, as user: String) async throws -> FlowHarness.Reply {
                try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user)
            }

            // Sent to a group of one's own or to one other user, exactly one of them.
            let notMine = try await send(#""groupId":"\#(group)","#, fen: 100, shares: 1, as: outsider)
            #expect(notMine.status == 404 && notMine.string("code") == "group.not_found", "\(notMine.text)")
            let nobody = try await send("", fen: 100, shares: 1, as: sender)
            #expect(nobody.status == 400 && nobody.string("code") == "envelope.audience_required", "\(nobody.text)")
            let both = try await send(#""groupId":"\#(group)","receiver":"\#(members[0])","#, fen: 100, shares: 1, as: sender)
            #expect(both.status == 400 && both.string("code") == "envelope.audience_required", "\(both.text)")
            let toSelf = try await send(#""receiver":"\#(sender)","#, fen: 100, shares: 1, as: sender)
            #expect(toSelf.status == 400 && toSelf.string("code") == "envelope.invalid_receiver", "\(toSelf.text)")
            let twoShares = try await send(#""receiver":"\#(members[0])","#, fen: 100, shares: 2, as: sender)
            #expect(twoShares.status == 400 && twoShares.string("code") == "envelope.invalid_shares", "\(twoShares.text)")
            #expect(try await h.get("/v1/envelopes/%00", as: sender).status == 404)
            #expect(try await h.post("/v1/envelopes/%00/grab", "{}", as: sender).status == 404)

            // The members' streams hear the group; one removed stops hearing it, wherever its stream is open.
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/events/ready").status) == 200 })
            let staying = try await PushListener(h, account: members[1], groups: [group])
            let leaving = try await PushListener(h, account: members[2], groups: [group])

            let sent = try await send(#""groupId":"\#(group)","#, fen: 3000, shares: 3, as: sender)
            let envelope = try #require(sent.string("envelopeId"), "\(sent.text)")
            #expect(await eventually(timeoutSeconds: 30) { (try? await h.get("/v1/envelopes/\(envelope)", as: sender).string("source")) == "redis" })

            // An outsider who learnt the id: refused, no share taken, and the envelope is not shown.
            let refused = try await grab(envelope, as: outsider)
            #expect(refused.status == 403 && refused.string("code") == "envelope.not_for_you", "\(refused.text)")
            #expect(try await h.redis(["LLEN", "\(h.prefix):env:{\(envelope)}:shares"]).int64 == 3)
            #expect(try await h.get("/v1/envelopes/\(envelope)", as: outsider).status == 404)
            #expect(try await h.get("/v1/envelopes/\(envelope)", as: members[0]).status == 200)
            #expect(try await h.get("/v1/groups/\(group)", as: outsider).status == 404)

            // The owner removes a member: refused from then on.
            let removed = try await h.send(.DELETE, h.apiURL + "/v1/groups/\(group)/members/\(members[2])", headers: ["X-Paystream-Account": sender])
            #expect(removed.status == 200 && removed.int("memberCount") == 3, "\(removed.text)")
            let gone = try await grab(envelope, as: members[2])
            #expect(gone.status == 403 && gone.string("code") == "envelope.not_for_you", "\(gone.text)")
            #expect(await leaving.waitFor("group.left", containing: group))
            let later = try await send(#""groupId":"\#(group)","#, fen: 100, shares: 1, as: sender)
            let laterID = try #require(later.string("envelopeId"), "\(later.text)")
            #expect(await staying.waitFor("envelope.available", containing: laterID))
            try await Task.sleep(for: .seconds(1))
            #expect(!leaving.events.contains { $0.name == "envelope.available" && $0.data.contains(laterID) }, "a removed member still hears the group")
            for stream in [staying, leaving] { stream.close() }

            // Redis loses the group's members: loaded again from PostgreSQL by the next grab.
            let membersKey = "\(h.prefix):grp:{\(group)}:members"
            #expect(try await h.redis(["DEL", membersKey]).int64 == 1)
            let first = try await grab(envelope, as: members[0])
            #expect(first.status == 200 && first.int("amountFen") == 1000, "\(first.text)")
            #expect(try await h.redis(["SISMEMBER", membersKey, members[1]]).int64 == 1)
            #expect(try await h.redis(["SISMEMBER", membersKey, members[2]]).int64 == 0)

            // A member added later grabs; the last share goes, and nobody gets more.
            let added = try await h.post("/v1/groups/\(group)/members", #"{"members":["\#(outsider)"]}"#, as: sender)
            #expect(added.status == 200 && added.int("memberCount") == 4, "\(added.text)")
            #expect(try await grab(envelope, as: outsider).status == 200)
            #expect(try await grab(envelope, as: members[1]).status == 200)
            let empty = try await grab(envelope, as: sender)
            #expect(empty.status == 410 && empty.string("code") == "envelope.empty", "\(empty.text)")

            // Redis no longer holds an envelope: an outsider is told nothing of it from PostgreSQL either.
            _ = try await h.redis(["DEL", "\(h.prefix):env:{\(laterID)}"])
            let hidden = try await grab(laterID, as: "user:stranger\(s)")
            #expect(hidden.status == 404 && hidden.string("code") == "envelope.not_found", "\(hidden.text)")

            // An envelope for one receiver: theirs only.
            let single = try await send(#""receiver":"\#(members[1])","#, fen: 500, shares: 1, as: sender)
            let singleID = try #require(single.string("envelopeId"), "\(single.text)")
            #expect(await eventually(timeoutSeconds: 30) { (try? await h.get("/v1/envelopes/\(singleID)", as: sender).string("source")) == "redis" })
            let notTheirs = try await grab(singleID, as: members[0])
            #expect(notTheirs.status == 403 && notTheirs.string("code") == "envelope.not_for_you", "\(notTheirs.text)")
            #expect(try await h.get("/v1/envelopes/\(singleID)", as: members[0]).status == 404)
            let theirs = try await grab(singleID, as: members[1])
            #expect(theirs.status == 200 && theirs.int("amountFen") == 500, "\(theirs.text)")

            // Members leave by themselves; the owner stays; only the owner removes others.
            let ownerOut = try await h.send(.DELETE, h.apiURL + "/v1/groups/\(group)/members/\(sender)", headers: ["X-Paystream-Account": sender])
            #expect(ownerOut.status == 409 && ownerOut.string("code") == "group.owner_stays", "\(ownerOut.text)")
            let pushedOut = try await h.send(.DELETE, h.apiURL + "/v1/groups/\(group)/members/\(members[0])", headers: ["X-Paystream-Account": members[1]])
            #expect(pushedOut.status == 403 && pushedOut.string("code") == "group.owner_only", "\(pushedOut.text)")
            let left = try await h.send(.DELETE, h.apiURL + "/v1/groups/\(group)/members/\(members[0])", headers: ["X-Paystream-Account": members[0]])
            #expect(left.status == 200, "\(left.text)")
            #expect(try await h.get("/v1/groups/\(group)", as: members[0]).status == 404)
            #expect(try await h.get("/v1/groups/\(group)", as: members[1]).int("memberCount") == 3)

            #expect(await h.waitFor(envelope, status: "finished"))
            #expect(await h.waitFor(singleID, status: "finished"))
            #expect(try await h.balance(sender) == (6_400, 100))
            for (user, fen) in [(members[0], 1000), (members[1], 1500), (members[2], 0), (outsider, 1000)] as [(String, Int64)] {
                #expect(try await h.balance(user) == (fen, 0), "\(user)")
            }
            #expect(try await h.verify().isClean)
        }
    }

    @Test func anExpiredEnvelopeRefundsExactlyTheRestOnce() async throws {
        try await FlowHarness.run { h in
            let sender = "user:exp\(h.prefix.suffix(6))"
            // Through the channel it was paid with.
            // 15 s: long enough for four grabs on a loaded machine, short enough to wait for.
            let grabbers = (0..<4).map { "user:e\($0)x\(h.prefix.suffix(6))" }
            let envelope = try await Self.fundedEnvelope(
                h, sender: sender, totalFen: 10_000, shares: 10, mode: "equal", expiresIn: 15, grabbers: grabbers + ["user:late\(h.prefix.suffix(6))"])
            // Counted from when it is funded and loaded: it cannot expire later than 15 s after that.
            let sent = Date()
            let outcomes = try await Self.grabStorm(h, envelope: envelope, users: grabbers)
            #expect(outcomes.allSatisfy { $0.status == 200 && $0.amountFen == 1000 }, "\(outcomes)")
            try await Task.sleep(for: .seconds(max(1, 16 - Date().timeIntervalSince(sent))))
            let late = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: "user:late\(h.prefix.suffix(6))")
            #expect(late.status == 410 && late.string("code") == "envelope.expired", "\(late.status) \(late.text)")

            // A scheduler that crashes right after producing the expiry (before recording it), then two
            // schedulers at the same time, then a fourth run: one expiry.
            let flags = ["--expiry-grace-seconds", "0"]
            let crashed = try await h.runSchedulerOnce(flags, environment: ["PAYSTREAM_TEST_KILL_AFTER_EXPIRY_EVENTS": "1"])
            #expect(crashed.status != 0, "the scheduler was expected to die mid-run")
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE expiry_requested_at IS NOT NULL") == 0)
            async let first = h.runSchedulerOnce(flags)
            async let second = h.runSchedulerOnce(flags)
            let runs = try await [first, second]
            #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.output))")
            #expect(await h.waitFor(envelope, status: "expired"))
            #expect(try await h.runSchedulerOnce(flags).status == 0)
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeRefund'") == 1)
            #expect(try await h.balance(sender) == (0, 0))
            // The rest went back through WeChat Pay's refund API.
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(envelope)EXP' AND channel_state = 'succeeded' AND amount_fen = 6000")) == 1
            })
            #expect(try await h.count("SELECT count(*) FROM compensation_runs WHERE job = 'envelope-expiry'") >= 3)
            // Listed from PostgreSQL once expired, though Redis still holds it: the four grabs, nothing left.
            #expect(try await h.redis(["EXISTS", "\(h.prefix):env:{\(envelope)}"]).int64 == 1)
            let listed = try await h.get("/v1/envelopes/\(envelope)", as: sender)
            #expect(listed.string("source") == "postgres" && listed.int("sharesLeft") == 0 && listed.int("grabbedFen") == 4000, "\(listed.text)")

            // To the wallet, by configuration.
            let walletSender = try await h.fundedUser("wexp", fen: 5000)
            let walletGroup = try await h.group(owner: walletSender, members: ["user:w1x\(h.prefix.suffix(6))"])
            let walletSent = try await h.post(
                "/v1/envelopes", #"{"totalFen":3000,"shares":3,"mode":"equal","expiresInSeconds":3,"groupId":"\#(walletGroup)","payWith":"wallet"}"#,
                as: walletSender)
            #expect(walletSent.status == 201, "\(walletSent.text)")
            let walletEnvelope = try #require(walletSent.string("envelopeId"))
            #expect(await h.waitFor(walletEnvelope, status: "funded"))
            #expect(try await h.balance(walletSender) == (2000, 3000))
            #expect(await eventually(timeoutSeconds: 30) { (try? await h.get("/v1/envelopes/\(walletEnvelope)", as: walletSender).string("source")) == "redis" })
            #expect(try await h.post("/v1/envelopes/\(walletEnvelope)/grab", "{}", as: "user:w1x\(h.prefix.suffix(6))").status == 200)
            try await Task.sleep(for: .seconds(4))
            #expect(try await h.runSchedulerOnce(flags + ["--envelope-refund-to", "wallet"]).status == 0)
            #expect(await h.waitFor(walletEnvelope, status: "expired"))
            #expect(try await h.balance(walletSender) == (4000, 0))
        }
    }

    /// Each envelope is expired in a transaction of its own: a scheduler killed while expiring the second of two
    /// keeps the first one's record (so the next run does not produce it again); the second one's event, produced but
    /// not recorded, is applied anyway or produced again by the next run. Each rest is refunded once.
    @Test func aSchedulerKilledHalfWayKeepsTheExpiriesItFinished() async throws {
        try await FlowHarness.run { h in
            let sender = try await h.fundedUser("halfway", fen: 5_000)
            var envelopes: [String] = []
            for total in [1_000, 2_000] {
                let sent = try await h.post(
                    "/v1/envelopes", #"{"totalFen":\#(total),"shares":1,"mode":"equal","expiresInSeconds":2,"receiver":"user:someone","payWith":"wallet"}"#,
                    as: sender)
                #expect(sent.status == 201, "\(sent.text)")
                let envelope = try #require(sent.string("envelopeId"))
                #expect(await h.waitFor(envelope, status: "funded"))
                envelopes.append(envelope)
            }
            #expect(try await h.balance(sender) == (2_000, 3_000))
            try await Task.sleep(for: .seconds(3))
            let flags = ["--expiry-grace-seconds", "0", "--envelope-refund-to", "wallet"]
            let crashed = try await h.runSchedulerOnce(flags, environment: ["PAYSTREAM_TEST_KILL_AFTER_EXPIRY_EVENTS": "2"])
            #expect(crashed.status != 0, "the scheduler was expected to die mid-run")
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE expiry_requested_at IS NOT NULL") == 1)
            #expect(try await h.runSchedulerOnce(flags).status == 0)
            for envelope in envelopes { #expect(await h.waitFor(envelope, status: "expired")) }
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeRefund'") == 2)
            #expect(try await h.balance(sender) == (5_000, 0))
        }
    }

    /// The grab script compares the time the API sends; the expiry job uses PostgreSQL's. An API whose clock is behind
    /// (or whose Redis call is slow) could be granted a share after the job took the rest. The job closes the envelope in
    /// Redis first, so such a grab is refused, and no one is promised money the ledger will refuse.
    @Test func aGrabAfterTheExpiryJobIsRefusedWhateverTheAPIsClock() async throws {
        try await FlowHarness.run { h in
            let sender = "user:clk\(h.prefix.suffix(6))"
            let envelope = try await Self.fundedEnvelope(
                h, sender: sender, totalFen: 3000, shares: 3, mode: "equal", grabbers: ["user:c1x\(h.prefix.suffix(6))", "user:c2x\(h.prefix.suffix(6))"])
            let first = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: "user:c1x\(h.prefix.suffix(6))")
            #expect(first.status == 200 && first.int("amountFen") == 1000, "\(first.text)")
            // PostgreSQL's time is past the expiry; Redis' copy (and so every API's view) is still a day ahead.
            #expect(try await h.count(
                "WITH e AS (UPDATE envelopes SET expires_at = now() - interval '10 seconds' WHERE envelope_order_id = '\(envelope)' RETURNING 1) SELECT count(*) FROM e") == 1)
            #expect(try await h.runSchedulerOnce(["--expiry-grace-seconds", "0"]).status == 0)
            #expect(await h.waitFor(envelope, status: "expired"))
            let late = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: "user:c2x\(h.prefix.suffix(6))")
            #expect(late.status == 410 && late.string("code") == "envelope.expired", "\(late.status) \(late.text)")
            // The one grab credited, the rest refunded, nothing dead-lettered to explain.
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeRefund'") == 1)
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(envelope)EXP' AND amount_fen = 2000")) == 1
            })
            #expect(try await h.verify().isClean)
        }
    }

    /// One run expires every due envelope, page after page: it used to stop after one page (500), fewer than a busy
    /// day brings, and what it left aged out of the scanned window with its money frozen.
    @Test func oneExpiryRunExpiresEveryDueEnvelopePageAfterPage() async throws {
        try await FlowHarness.run { h in
            let sender = "user:pages\(h.prefix.suffix(6))"
            var envelopes: [String] = []
            for _ in 0..<5 { envelopes.append(try await Self.fundedEnvelope(h, sender: sender, totalFen: 200, shares: 2, mode: "equal")) }
            #expect(try await h.balance(sender) == (0, 1000))
            #expect(try await h.count(
                "WITH e AS (UPDATE envelopes SET expires_at = now() - interval '10 seconds' WHERE sender = '\(sender)' RETURNING 1) SELECT count(*) FROM e") == 5)
            let run = try await h.runSchedulerOnce(["--expiry-grace-seconds", "0", "--envelope-refund-to", "wallet", "--expiry-page", "2"])
            #expect(run.status == 0 && run.output.contains("envelope-expiry: found 5, expired 5"), "\(run.output)")
            for envelope in envelopes { #expect(await h.waitFor(envelope, status: "expired")) }
            #expect(await eventually { (try? await h.balance(sender)).map { $0 == (1000, 0) } ?? false })
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeRefund'") == 5)
        }
    }

    /// The rest of an expired envelope goes back through WeChat Pay's refund API; when WeChat closes that refund, the
    /// rest comes back to the sender's wallet, once, instead of staying in the channel's clearing account.
    @Test func anEnvelopeRestTheChannelDoesNotRefundComesBackToTheSendersWallet() async throws {
        try await FlowHarness.run { h in
            let sender = "user:rest\(h.prefix.suffix(6))"
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 3000, shares: 3, mode: "equal", grabbers: ["user:r1x\(h.prefix.suffix(6))"])
            #expect(try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: "user:r1x\(h.prefix.suffix(6))").status == 200)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"refunds":{"closed":true}}"#).status == 200)
            #expect(try await h.count(
                "WITH e AS (UPDATE envelopes SET expires_at = now() - interval '10 seconds' WHERE envelope_order_id = '\(envelope)' RETURNING 1) SELECT count(*) FROM e") == 1)
            #expect(try await h.runSchedulerOnce(["--expiry-grace-seconds", "0"]).status == 0)
            #expect(await h.waitFor(envelope, status: "expired"))
            // WeChat closes the rest's refund: it comes back to the sender's wallet, and the refund order says so.
            #expect(await h.waitFor("\(envelope)EXP", status: "failed"))
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.balance(sender)).map { $0 == (2000, 0) } ?? false })
            #expect(try await h.count("SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(envelope)EXP' AND channel_state = 'closed' AND given_up_at IS NOT NULL") == 1)
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeRestReturned' AND order_id = '\(envelope)'") == 1)
            let refund = try await h.get("/v1/refunds/\(envelope)EXP", as: sender)
            #expect(refund.string("status") == "failed" && refund.string("channelState") == "closed", "\(refund.text)")
            // Nothing more comes back however often the dispatcher looks again.
            try await Task.sleep(for: .seconds(2))
            #expect(try await h.balance(sender) == (2000, 0))

            // A rest an older release gave up on (it only logged it): returned when a new API starts, once. Here the
            // API is down while the envelope expires, and its refund row is written as the old dispatcher left it.
            let older = try await Self.fundedEnvelope(h, sender: sender, totalFen: 1200, shares: 2, mode: "equal")
            await h.killAPI()
            #expect(try await h.count(
                "WITH e AS (UPDATE envelopes SET expires_at = now() - interval '10 seconds' WHERE envelope_order_id = '\(older)' RETURNING 1) SELECT count(*) FROM e") == 1)
            #expect(try await h.runSchedulerOnce(["--expiry-grace-seconds", "0"]).status == 0)
            #expect(await h.waitFor(older, status: "expired"))
            #expect(try await h.count(
                """
                WITH r AS (INSERT INTO refund_requests (refund_order_id, original_order_id, account_id, channel, amount_fen, total_fen, reason,
                                                        ledger_order_id, channel_state, attempts, given_up_at)
                           VALUES ('\(older)EXP', '\(older)', '\(sender)', 'wechat', 1200, 1200, 'envelope expired', '\(older)', 'closed', 1, now())
                           RETURNING 1),
                     e AS (UPDATE envelopes SET rest_refund_checked_at = now() WHERE envelope_order_id = '\(older)' RETURNING 1)
                SELECT (SELECT count(*) FROM r) + (SELECT count(*) FROM e)
                """) == 2)
            #expect(try await h.balance(sender) == (2000, 0))
            try await h.restartAPI()
            #expect(await h.waitFor("\(older)EXP", status: "failed"))
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.balance(sender)).map { $0 == (3200, 0) } ?? false })
            // Another start returns nothing more.
            await h.killAPI()
            try await h.restartAPI()
            try await Task.sleep(for: .seconds(2))
            #expect(try await h.balance(sender) == (3200, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeRestReturned'") == 2)
            #expect(try await h.verify().isClean)
        }
    }

    @Test func killingTheAPIAndTheWorkerDuringAGrabStormCreditsEveryGrabOnce() async throws {
        // The API kills itself right after its 15th grab script, before producing that grab's event.
        try await FlowHarness.run(apiEnvironment: ["PAYSTREAM_TEST_KILL_AFTER_GRABS": "15"]) { h in
            let sender = "user:storm\(h.prefix.suffix(6))"
            let users = (0..<40).map { "user:s\($0)x\(h.prefix.suffix(6))" }
            let envelope = try await Self.fundedEnvelope(
                h, sender: sender, totalFen: 50_000, shares: 60, grabbers: (0..<50).map { "user:s\($0)x\(h.prefix.suffix(6))" })
            let firstWave = try await withThrowingTaskGroup(of: Int.self) { group in
                for user in users {
                    group.addTask { (try? await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user).status) ?? -1 }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(300))
                    try await h.killAndRestartWorker()
                    return 0
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(firstWave.contains(-1) || firstWave.filter { $0 == 200 }.count < 40, "the API was expected to die mid-storm")
            await h.killAPI()
            try await h.restartAPI()
            // Everyone tries again (those who got a share are refused as already served).
            let secondWave = try await Self.grabStorm(h, envelope: envelope, users: users + (40..<50).map { "user:s\($0)x\(h.prefix.suffix(6))" })
            #expect(secondWave.allSatisfy { [200, 409].contains($0.status) }, "\(secondWave.filter { ![200, 409].contains($0.status) }.map(\.status))")

            // One compensation pass re-drives the grab that only Redis knew about.
            let run = try await h.runSchedulerOnce(["--grab-grace-seconds", "0"])
            #expect(run.status == 0, "\(run.output)")
            let redisGrabs = try await h.redis(["HLEN", "\(h.prefix):env:{\(envelope)}:grabbed"]).int64 ?? -1
            #expect(redisGrabs == 50)
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM orders WHERE parent_order_id = '\(envelope)' AND kind = 'transferIn'")) == redisGrabs
            })
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeGrab'") == 50)
            let credited = try await h.count("SELECT coalesce(sum(amount_fen), 0)::bigint FROM orders WHERE parent_order_id = '\(envelope)' AND kind = 'transferIn'")
            #expect(try await h.balance(sender) == (0, 50_000 - credited))
            // Every grab Redis granted is credited to its user exactly once.
            for user in users.prefix(10) {
                let granted = try await h.redis(["HGET", "\(h.prefix):env:{\(envelope)}:grabbed", user]).string
                let fen = granted.flatMap { Int64($0.split(separator: "|")[1]) } ?? -1
                #expect(try await h.balance(user) == (fen, 0))
            }
        }
    }

    /// The grab compensation reads the envelopes a page at a time, with one Redis round trip per page: with pages
    /// of 2, every one of 5 envelopes is still visited once, and the grabs whose transfers are committed are
    /// cleared from each envelope's pending record.
    @Test func theGrabCompensationVisitsEveryEnvelopePageByPage() async throws {
        try await FlowHarness.run { h in
            let sender = try await h.fundedUser("pages", fen: 5_000)
            var envelopes: [String] = []
            let group = try await h.group(owner: sender, members: (0..<5).map { "user:p\($0)x\(h.prefix.suffix(6))" })
            for _ in 0..<5 {
                let sent = try await h.post(
                    "/v1/envelopes", #"{"totalFen":1000,"shares":2,"mode":"equal","groupId":"\#(group)","payWith":"wallet"}"#, as: sender)
                #expect(sent.status == 201, "\(sent.text)")
                envelopes.append(try #require(sent.string("envelopeId"), "\(sent.text)"))
            }
            for (index, envelope) in envelopes.enumerated() {
                #expect(await eventually(timeoutSeconds: 30) { (try? await h.get("/v1/envelopes/\(envelope)", as: sender).string("source")) == "redis" })
                #expect(try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: "user:p\(index)x\(h.prefix.suffix(6))").status == 200)
            }
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeGrab'")) == 5
            })
            for envelope in envelopes { #expect(try await h.redis(["HLEN", "\(h.prefix):env:{\(envelope)}:pending"]).int64 == 1) }

            // One outbox row the relay sent eight days ago: the same --once run's retention job removes it, and only it.
            let outboxBefore = try await h.count("SELECT count(*) FROM outbox")
            _ = try await h.database.client.execute(
                """
                INSERT INTO outbox (topic, message_key, payload, created_at, sent_at)
                VALUES ('paystream.notifications', 'retention-probe', convert_to('{}', 'UTF8'), now() - interval '8 days', now() - interval '8 days')
                """)

            let run = try await h.runSchedulerOnce(["--grab-grace-seconds", "0", "--grab-redrive-page", "2"])
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("grab-redrive: found 0, re-driven 0"), "\(run.output)")
            #expect(run.output.contains("retention: outbox rows removed 1, API idempotency keys removed 0"), "\(run.output)")
            #expect(try await h.count("SELECT count(*) FROM outbox WHERE message_key = 'retention-probe'") == 0)
            #expect(try await h.count("SELECT count(*) FROM outbox") >= outboxBefore, "the relay's recent rows are kept")
            #expect(try await h.count("SELECT count(*) FROM compensation_runs WHERE job = 'retention' AND acted = 1") == 1)
            for envelope in envelopes { #expect(try await h.redis(["HLEN", "\(h.prefix):env:{\(envelope)}:pending"]).int64 == 0) }
            #expect(try await h.count("SELECT count(*) FROM compensation_runs WHERE job = 'grab-redrive' AND notes = '5 envelopes scanned'") == 1)
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'envelopeGrab'") == 5, "nothing applied twice")
        }
    }

    @Test func aUserRedisForgotIsNotCreditedTwiceAndTheRefusedGrabIsNotReDriven() async throws {
        try await FlowHarness.run { h in
            let sender = "user:forgot\(h.prefix.suffix(6))"
            let user = "user:twice\(h.prefix.suffix(6))"
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 900, shares: 3, mode: "equal", grabbers: [user])
            let first = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user)
            #expect(first.status == 200 && first.int("amountFen") == 300, "\(first.text)")
            let firstGrab = try #require(first.string("grabId"))
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.balance(user))?.available == 300 })

            // Redis loses the grab (as a restart inside its fsync window would): the user's record, its pending
            // entry and the popped share are back to before it.
            let key = "\(h.prefix):env:{\(envelope)}"
            _ = try await h.redis(["HDEL", "\(key):grabbed", user])
            _ = try await h.redis(["HDEL", "\(key):pending", firstGrab])
            _ = try await h.redis(["RPUSH", "\(key):shares", "300"])
            let second = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user)
            #expect(second.status == 200, "Redis no longer knows the user, so it grants a share: \(second.text)")
            let secondGrab = try #require(second.string("grabId"))
            #expect(secondGrab != firstGrab)

            // The ledger refuses it: the user is credited once, the envelope keeps the share.
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count(
                    "SELECT count(*) FROM processed_keys WHERE idempotency_key = 'grab:\(secondGrab)' AND result = 'rejected:envelope.already_grabbed'")) == 1
            })
            #expect(try await h.balance(user) == (300, 0))
            #expect(try await h.balance(sender) == (0, 600))
            #expect(try await h.count("SELECT count(*) FROM envelope_grabbers WHERE envelope_order_id = '\(envelope)'") == 1)

            // Compensation clears the refused grab instead of producing it again on every run.
            let run = try await h.runSchedulerOnce(["--grab-grace-seconds", "0"])
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("grab-redrive: found 0, re-driven 0, refused by the ledger 1"), "\(run.output)")
            #expect(try await h.redis(["HEXISTS", "\(key):pending", secondGrab]).int64 == 0)
            let again = try await h.runSchedulerOnce(["--grab-grace-seconds", "0"])
            #expect(again.output.contains("grab-redrive: found 0, re-driven 0, refused by the ledger 0"), "\(again.output)")
            #expect(try await h.count("SELECT count(*) FROM processed_keys WHERE idempotency_key = 'grab:\(secondGrab)'") == 1)
            #expect(try await h.balance(user) == (300, 0))
            let report = try await h.verify()
            #expect(report.isClean, "\(report.violations)")
        }
    }

    @Test func anEnvelopeRedisLostIsReloadedWithoutItsCommittedGrabs() async throws {
        try await FlowHarness.run { h in
            let sender = "user:lost\(h.prefix.suffix(6))"
            let users = (0..<6).map { "user:r\($0)x\(h.prefix.suffix(6))" }
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 1000, shares: 5, mode: "random", grabbers: users)
            var amounts: [String: Int64] = [:]
            for user in users.prefix(2) {
                let reply = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user)
                #expect(reply.status == 200, "\(reply.text)")
                amounts[user] = reply.int("amountFen")
            }
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM envelope_grabbers WHERE envelope_order_id = '\(envelope)'")) == 2
            })

            // Redis loses the envelope entirely (a restart without its data).
            let key = "\(h.prefix):env:{\(envelope)}"
            _ = try await h.redis(["DEL", key, "\(key):shares", "\(key):grabbed", "\(key):pending"])
            // While another transaction holds the envelope's row (the expiry job holds it for its whole run), a grab
            // answers at once instead of waiting for it, and leaves the reload to the next grab.
            try await h.database.client.withTransaction { connection in
                _ = try await connection.query("SELECT 1 FROM envelopes WHERE envelope_order_id = \(envelope) FOR UPDATE")
                let answer = Answer()
                let grab = Task { await answer.set(try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: users[2])) }
                let answered = await eventually(timeoutSeconds: 15) { await answer.reply != nil }
                #expect(answered, "the grab waited for the envelope's row")
                let blocked = await answer.reply
                #expect(blocked?.status == 503 && blocked?.string("code") == "envelope.not_ready", "\(blocked?.text ?? "no answer")")
                _ = grab
                return ()
            }
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND reload_requested_at IS NOT NULL") == 0)
            let refused = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: users[2])
            #expect(refused.status == 503 && refused.string("code") == "envelope.not_ready", "\(refused.text)")
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND reload_requested_at IS NOT NULL") == 1)

            // The activator loads it again: three shares left, the two grabbers known.
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.get("/v1/envelopes/\(envelope)", as: sender))?.string("source") == "redis"
            })
            let listed = try await h.get("/v1/envelopes/\(envelope)", as: sender)
            #expect(listed.int("sharesLeft") == 3 && listed.int("grabbedFen") == amounts.values.reduce(0, +), "\(listed.text)")
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND reload_requested_at IS NOT NULL") == 0)
            let again = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: users[0])
            #expect(again.status == 409 && again.string("code") == "envelope.already_grabbed", "\(again.text)")

            // The rest is grabbed to the last fen: the split less the committed grabs, nothing offered twice.
            for user in users[2..<5] {
                let reply = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user)
                #expect(reply.status == 200, "\(reply.text)")
                amounts[user] = reply.int("amountFen")
            }
            let late = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: users[5])
            #expect(late.status == 410 && late.string("code") == "envelope.empty", "\(late.text)")
            #expect(amounts.values.reduce(0, +) == 1000)
            #expect(await h.waitFor(envelope, status: "finished"))
            for (user, fen) in amounts { #expect(try await h.balance(user) == (fen, 0)) }
            #expect(try await h.balance(sender) == (0, 0))
            let report = try await h.verify()
            #expect(report.isClean, "\(report.violations)")
        }
    }

    /// Redis loses an envelope while grabbers keep asking at two API processes, each with its own reloader: both mark
    /// the loss and both reloaders race for it, and the envelope is loaded once. Every share goes to one grabber,
    /// none twice, the amounts sum to the envelope, and the ledger verifies clean.
    @Test func anEnvelopeLostUnderGrabsAtTwoAPIProcessesIsReloadedOnce() async throws {
        try await FlowHarness.run { h in
            let sender = "user:two\(h.prefix.suffix(6))"
            let users = (0..<30).map { "user:t\($0)x\(h.prefix.suffix(6))" }
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 2_000, shares: 20, mode: "random", grabbers: users)
            let port2 = try freePort()
            let api2 = try h.startSecondAPI([], port: port2)
            let url2 = "http://127.0.0.1:\(port2)"
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.send(.GET, url2 + "/healthz").status) == 200 }, "\(api2.tail())")
            let path = "/v1/envelopes/\(envelope)/grab"
            /// Grabs as `user` at `base` until the answer is final (granted, empty, or already grabbed), or the last
            /// answer after two minutes, so that a reload that never comes fails the test instead of hanging it.
            @Sendable func grab(_ user: String, at base: String) async throws -> FlowHarness.Reply {
                let deadline = Date().addingTimeInterval(120)
                while true {
                    var headers = ["X-Paystream-Unsigned": "1"]
                    for (name, value) in try await h.authenticated(["X-Paystream-Account": user], method: "POST", url: h.apiURL + path, body: Array("{}".utf8)) {
                        headers[name] = value
                    }
                    let reply = try await h.send(.POST, base + path, json: "{}", headers: headers)
                    guard reply.status == 503 && reply.string("code") == "envelope.not_ready", Date() < deadline else { return reply }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            var amounts: [String: Int64] = [:]
            for user in users.prefix(5) {
                let reply = try await grab(user, at: h.apiURL)
                #expect(reply.status == 200, "\(reply.text)")
                amounts[user] = reply.int("amountFen")
            }
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM envelope_grabbers WHERE envelope_order_id = '\(envelope)'")) == 5
            })

            // Redis loses it; the other 25 ask at both processes at once, until they are answered for good.
            let key = "\(h.prefix):env:{\(envelope)}"
            _ = try await h.redis(["DEL", key, "\(key):shares", "\(key):grabbed", "\(key):pending"])
            let answers = try await withThrowingTaskGroup(of: (String, FlowHarness.Reply).self) { group in
                for (index, user) in users.dropFirst(5).enumerated() {
                    group.addTask { (user, try await grab(user, at: index % 2 == 0 ? h.apiURL : url2)) }
                }
                return try await group.reduce(into: [(String, FlowHarness.Reply)]()) { $0.append($1) }
            }
            for (user, reply) in answers {
                #expect([200, 410].contains(reply.status), "\(user): \(reply.text)")
                if reply.status == 200 { amounts[user] = reply.int("amountFen") }
            }
            #expect(amounts.count == 20 && amounts.values.reduce(0, +) == 2_000, "\(amounts)")
            #expect(await h.waitFor(envelope, status: "finished"))
            for (user, fen) in amounts { #expect(try await h.balance(user) == (fen, 0)) }
            #expect(try await h.balance(sender) == (0, 0))
            let logs = [h.api.logFile, api2.logFile].map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }
            let reloads = logs.map { $0.components(separatedBy: "envelope reloaded into Redis from the ledger").count - 1 }.reduce(0, +)
            #expect(reloads == 1, "reloaded \(reloads) times")
            let report = try await h.verify()
            #expect(report.isClean, "\(report.violations)")
            _ = await api2.terminate()
        }
    }

    /// The expiry job takes the rest of an envelope while a reload of it is between reading its grabs and writing it to
    /// Redis: the job's close finds nothing in Redis, and the reload wrote the envelope back open, so a grab was granted
    /// a share the ledger refuses (the grabber told "queued", never paid). The reload now closes it again.
    @Test func anEnvelopeExpiredWhileItIsReloadedStaysClosed() async throws {
        try await FlowHarness.run(apiEnvironment: ["PAYSTREAM_TEST_RELOAD_PAUSE_MS": "15000"]) { h in
            let sender = "user:rex\(h.prefix.suffix(6))"
            let users = ["user:rx1x\(h.prefix.suffix(6))", "user:rx2x\(h.prefix.suffix(6))"]
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 3000, shares: 3, mode: "equal", grabbers: users)
            #expect(try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: users[0]).status == 200)
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM envelope_grabbers WHERE envelope_order_id = '\(envelope)'")) == 1
            })
            // Redis loses it; a grab marks it for reload, and the reload pauses after reading its grabs.
            let key = "\(h.prefix):env:{\(envelope)}"
            _ = try await h.redis(["DEL", key, "\(key):shares", "\(key):grabbed", "\(key):pending"])
            let early = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: users[1])
            #expect(early.status == 503 && early.string("code") == "envelope.not_ready", "\(early.text)")
            #expect(await eventually(timeoutSeconds: 30) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("envelope reload paused before its write")
            })
            // Meanwhile it expires: PostgreSQL's time is past its expiry, and the job takes the rest.
            #expect(try await h.count(
                "WITH e AS (UPDATE envelopes SET expires_at = now() - interval '10 seconds' WHERE envelope_order_id = '\(envelope)' RETURNING 1) SELECT count(*) FROM e") == 1)
            #expect(try await h.runSchedulerOnce(["--expiry-grace-seconds", "0", "--envelope-refund-to", "wallet"]).status == 0)
            #expect(await h.waitFor(envelope, status: "expired"))
            // The reload writes it back, with the expiry it read before (a day ahead), and closes it again.
            #expect(await eventually(timeoutSeconds: 30) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("envelope expired while it was reloaded")
            }, "\(h.api.tail())")
            let late = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: users[1])
            #expect(late.status == 410 && late.string("code") == "envelope.expired", "\(late.status) \(late.text)")
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.balance(sender)).map { $0 == (2000, 0) } ?? false })
            #expect(try await h.balance(users[1]) == (0, 0))
            #expect(try await h.verify().isClean)
        }
    }

    /// Redis loses an envelope while the worker is down with grabs of it in Kafka: the reload waits until the
    /// worker has committed them, instead of offering their shares again after the settle period.
    @Test func anEnvelopeRedisLostIsReloadedOnlyOnceTheWorkerCommittedItsGrabs() async throws {
        try await FlowHarness.run { h in
            let sender = "user:lag\(h.prefix.suffix(6))"
            let users = (0..<6).map { "user:w\($0)x\(h.prefix.suffix(6))" }
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 1000, shares: 5, mode: "random", grabbers: users)
            var amounts: [String: Int64] = [:]
            func grab(_ user: String) async throws -> FlowHarness.Reply {
                let reply = try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user)
                if reply.status == 200 { amounts[user] = reply.int("amountFen") }
                return reply
            }
            #expect(try await grab(users[0]).status == 200)
            let grabbers = "SELECT count(*) FROM envelope_grabbers WHERE envelope_order_id = '\(envelope)'"
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.count(grabbers)) == 1 })

            // The worker is down: two more grabs are answered and sit in Kafka, unknown to the ledger.
            await h.killWorker()
            for user in users[1...2] { #expect(try await grab(user).status == 200) }

            // Redis loses the envelope. Well past the 1 s settle period, it is still not loaded again.
            let key = "\(h.prefix):env:{\(envelope)}"
            _ = try await h.redis(["DEL", key, "\(key):shares", "\(key):grabbed", "\(key):pending"])
            let refused = try await grab(users[3])
            #expect(refused.status == 503 && refused.string("code") == "envelope.not_ready", "\(refused.text)")
            let marked = "SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND reload_requested_at IS NOT NULL"
            #expect(await eventually(timeoutSeconds: 30) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("envelope reload waits for the worker")
            })
            try await Task.sleep(for: .seconds(4))
            #expect(try await h.redis(["EXISTS", key]).int64 == 0, "reloaded before the worker committed the grabs in Kafka")
            let waiting = try await grab(users[1])
            #expect(waiting.status == 503 && waiting.string("code") == "envelope.not_ready", "\(waiting.text)")
            #expect(try await h.count(marked) == 1)
            #expect(try await h.count(grabbers) == 1)
            // The grabs topic's mark is kept with the loss, where every API process sees it.
            let kept = "SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND reload_marks ? '\(h.prefix).envelope.grabs'"
            #expect(try await h.count(kept) == 1)

            // The worker comes back and commits them; then the envelope is loaded with the two shares left.
            try h.startWorker()
            #expect(await eventually(timeoutSeconds: 90) { (try? await h.count(grabbers)) == 3 })
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.get("/v1/envelopes/\(envelope)", as: sender))?.string("source") == "redis"
            })
            let listed = try await h.get("/v1/envelopes/\(envelope)", as: sender)
            #expect(listed.int("sharesLeft") == 2 && listed.int("grabbedFen") == amounts.values.reduce(0, +), "\(listed.text)")
            #expect(try await h.count(marked) == 0)
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND reload_marks IS NOT NULL") == 0)
            let again = try await grab(users[2])
            #expect(again.status == 409 && again.string("code") == "envelope.already_grabbed", "\(again.text)")
            for user in users[3...4] { #expect(try await grab(user).status == 200) }
            let late = try await grab(users[5])
            #expect(late.status == 410 && late.string("code") == "envelope.empty", "\(late.text)")
            #expect(amounts.count == 5 && amounts.values.reduce(0, +) == 1000)
            #expect(await h.waitFor(envelope, status: "finished"))
            for (user, fen) in amounts { #expect(try await h.balance(user) == (fen, 0)) }
            #expect(try await h.balance(sender) == (0, 0))
            #expect(try await h.count("SELECT count(*) FROM processed_keys WHERE result LIKE 'rejected:%'") == 0)
        }
    }

    @Test func clientsArePushedAvailableCreditedFinishedAndRefunded() async throws {
        try await FlowHarness.run { h in
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/events/ready").status) == 200 })
            let sender = "user:push\(h.prefix.suffix(6))"
            let members = (0..<3).map { "user:m\($0)x\(h.prefix.suffix(6))" }
            let family = try await h.group(owner: sender, members: members)
            let senderStream = try await PushListener(h, account: sender, groups: [family])
            var memberStreams: [PushListener] = []
            for member in members { memberStreams.append(try await PushListener(h, account: member, groups: [family])) }
            let outsider = try await PushListener(h, account: "user:out\(h.prefix.suffix(6))")
            // A group's announcements are for its members: an outsider asking for them is refused.
            let eavesdrop = try await h.get("/v1/events?groups=\(family)", as: "user:out\(h.prefix.suffix(6))")
            #expect(eavesdrop.status == 403 && eavesdrop.string("code") == "push.not_group_member", "\(eavesdrop.text)")

            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 900, shares: 3, group: family)
            for stream in memberStreams { #expect(await stream.waitFor("envelope.available", containing: envelope)) }
            for member in members { #expect(try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: member).status == 200) }
            for stream in memberStreams { #expect(await stream.waitFor("grab.credited")) }
            #expect(await senderStream.waitFor("envelope.finished", containing: envelope))
            #expect(!outsider.names().contains("envelope.available"))
            #expect(!memberStreams[0].events.contains { $0.name == "grab.credited" && $0.data.contains(members[1]) }, "a grab is pushed to its grabber only")

            // An envelope paid after its expiry (the payer scanned late) is never announced nor loaded: nothing can be grabbed.
            let late = try await h.post(
                "/v1/envelopes", #"{"totalFen":300,"shares":3,"mode":"equal","expiresInSeconds":3600,"groupId":"\#(family)","payWith":"wechat"}"#,
                as: sender)
            let lateID = try #require(late.string("envelopeId"), "\(late.text)")
            #expect(try await h.count(
                "WITH e AS (UPDATE envelopes SET expires_at = now() - interval '1 second' WHERE envelope_order_id = '\(lateID)' RETURNING 1) SELECT count(*) FROM e") == 1)
            try await h.pay("wechat", lateID)
            #expect(await h.waitFor(lateID, status: "funded"))
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(lateID)' AND activated_at IS NOT NULL")) == 1
            })
            try await Task.sleep(for: .seconds(1))
            for stream in memberStreams { #expect(!stream.events.contains { $0.name == "envelope.available" && $0.data.contains(lateID) }) }
            #expect(try await h.get("/v1/envelopes/\(lateID)", as: sender).string("source") != "redis")

            // A refund is pushed to its payer when the ledger has taken it.
            let recharge = try await h.post("/v1/recharges", #"{"amountFen":500,"channel":"wechat"}"#, as: sender)
            let rechargeID = try #require(recharge.string("orderId"))
            try await h.pay("wechat", rechargeID)
            #expect(await senderStream.waitFor("payment.credited", containing: rechargeID))
            #expect(try await h.post("/v1/refunds", #"{"orderId":"\#(rechargeID)","amountFen":200}"#, as: sender).status == 202)
            #expect(await senderStream.waitFor("refund.done"))
            for stream in memberStreams + [senderStream, outsider] { stream.close() }
        }
    }

    /// The activator reads finished envelopes through a 10-minute window on each pass; its first pass (and one
    /// every 5 minutes) looks back 8 days, for envelopes that finished while no API process ran.
    @Test func anEnvelopeThatFinishedWhileNoAPIRanIsAnnouncedByTheNextAPI() async throws {
        try await FlowHarness.run { h in
            let sender = "user:late\(h.prefix.suffix(6))"
            let envelope = try await Self.fundedEnvelope(h, sender: sender, totalFen: 100, shares: 1, grabbers: ["user:lg\(h.prefix.suffix(6))"])
            #expect(try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: "user:lg\(h.prefix.suffix(6))").status == 200)
            #expect(await h.waitFor(envelope, status: "finished"))
            let announced = "SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND finished_announced_at IS NOT NULL"
            #expect(await eventually(timeoutSeconds: 30) { (try? await h.count(announced)) == 1 })

            // As if it had finished an hour ago, while no API process ran: finished, not announced.
            await h.killAPI()
            let rewound = try await h.count(
                """
                WITH e AS (UPDATE envelopes SET finished_announced_at = NULL WHERE envelope_order_id = '\(envelope)' RETURNING 1),
                     o AS (UPDATE orders SET updated_at = now() - interval '1 hour' WHERE order_id = '\(envelope)' RETURNING 1)
                SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM o)
                """)
            #expect(rewound == 2)

            try await h.restartAPI()
            #expect(await eventually(timeoutSeconds: 30) { (try? await h.count(announced)) == 1 }, "the first pass looks back 8 days")
        }
    }

    /// An envelope whose WeChat payment never comes: the payment poller closes its order at the channel and marks
    /// it failed, and the activator marks the envelope abandoned (out of `envelopes_awaiting_activation`, which
    /// every activation pass reads) instead of probing its order on every pass for 8 days. A paid envelope sent
    /// at the same time is activated as usual.
    @Test func anEnvelopeWhosePaymentExpiresIsAbandonedNotActivated() async throws {
        try await FlowHarness.run { h in
            let sender = "user:aband\(h.prefix.suffix(6))"
            let family = try await h.group(owner: sender, members: [])
            let sent = try await h.post(
                "/v1/envelopes", #"{"totalFen":300,"shares":3,"mode":"equal","groupId":"\#(family)","payWith":"wechat"}"#, as: sender)
            #expect(sent.status == 201, "\(sent.text)")
            let unpaid = try #require(sent.string("envelopeId"), "\(sent.text)")
            // An Alipay QR nobody scans: Alipay does not know the trade at all (ACQ.TRADE_NOT_EXIST), never "unpaid".
            let unscanned = try await h.post(
                "/v1/envelopes", #"{"totalFen":300,"shares":3,"mode":"equal","groupId":"\#(family)","payWith":"alipay"}"#, as: sender)
            let unscannedID = try #require(unscanned.string("envelopeId"), "\(unscanned.text)")
            let paid = try await Self.fundedEnvelope(h, sender: sender, totalFen: 200, shares: 2)

            // A second API whose poller asks about unpaid orders at once and closes them after a second.
            let poller = try h.startSecondAPI(["--payment-query-after-seconds", "0.2", "--payment-expire-seconds", "1", "--test-short-payment-expiry"])
            for envelope in [unpaid, unscannedID] {
                #expect(await h.waitFor(envelope, status: "failed"), "\(envelope), api2:\n\(poller.tail())")
                let abandoned = "SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(envelope)' AND abandoned_at IS NOT NULL AND activated_at IS NULL"
                #expect(await eventually(timeoutSeconds: 30) { (try? await h.count(abandoned)) == 1 })
            }
            #expect(try await h.count("SELECT count(*) FROM envelopes WHERE envelope_order_id = '\(paid)' AND activated_at IS NOT NULL AND abandoned_at IS NULL") == 1)

            // It will never be funded: gone, not "try again".
            let grab = try await h.post("/v1/envelopes/\(unpaid)/grab", "{}", as: sender)
            #expect(grab.status == 410 && grab.string("code") == "envelope.unpaid", "\(grab.text)")
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE order_id = '\(unpaid)'") == 0, "no money moved for it")
            _ = await poller.terminate()
        }
    }
}
