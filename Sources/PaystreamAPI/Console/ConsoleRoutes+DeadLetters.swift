import Foundation
import Hummingbird
import Kafka
import PaystreamRuntime

/// The dead-letter browser: `GET /console/dead-letters?all=1&error=TEXT` lists the letters of every dead-letter
/// topic declared in topics/ (pending ones unless `all`), `POST /console/dead-letters/replay` and
/// `POST /console/dead-letters/drop` (form `topic`, `partition`, `offset`, `reason`) act on one letter through
/// ``DeadLetterService``, the replay tool's own code: a letter already replayed or dropped is refused, the
/// replay is recorded only once the broker acknowledged it, and the operator's login is the recorded actor.
extension ConsoleRoutes {
    /// The dead-letter topics the console may read: those declared in topics/ (gray twins included).
    var deadLetterTopics: [String] { services.publisher.registry.declarations.compactMap(\.deadLetterTopic) }

    private func withDeadLetters<T>(_ body: (DeadLetterService) async throws -> T) async throws -> T {
        let service = try DeadLetterService(
            kafka: services.kafka, postgres: services.store.postgres, readTimeoutMilliseconds: 15_000, logger: services.logger)
        do {
            let result = try await body(service)
            await service.close()
            return result
        } catch {
            await service.close()
            throw error
        }
    }

    func registerDeadLetters(on router: Router<APIRequestContext>) {
        router.get("/console/dead-letters") { request, _ in
            await page(request) { signedIn, _ in
                let all = request.uri.queryParameters.get("all") == "1"
                let errorText = request.consoleQuery("error").flatMap { (text: String) -> String? in text.isEmpty ? nil : String(text.prefix(200)) }
                let listing = try await withDeadLetters { service in
                    try await service.list(
                        topics: deadLetterTopics, filter: DeadLetterFilter(errorText: errorText, includeResolved: all), skipMissingTopics: true,
                        newestPerPartition: Self.newestLettersReadPerPartition)
                }
                return ConsoleLayout.page(
                    "Dead letters", section: "/console/dead-letters", signedIn: signedIn, notice: Self.notice(request),
                    deadLetterTable(listing.entries, notRead: listing.notRead, all: all, errorText: errorText, signedIn: signedIn))
            }
        }
        router.post("/console/dead-letters/replay") { request, _ in
            await action(request, name: "deadLetter.replay") { signedIn, form, correlationID in
                let (address, reason) = try letterForm(form)
                let outcome = try await withDeadLetters { service -> DeadLetterService.ReplayOutcome in
                    guard let entry = try await service.entry(at: address) else {
                        throw APIError.notFound("dead_letter.not_found", "no message at \(address)")
                    }
                    return await service.replay([entry], reason: reason, actor: signedIn.login, force: false, dryRun: false).first
                        ?? .failed(address, reason: "nothing was replayed")
                }
                switch outcome {
                case .replayed(let plan, let report):
                    let audited = await audit.record(
                        admin: signedIn.login, action: "deadLetter.replay", subject: address.description, outcome: .done,
                        detail: "to \(report.topic)[\(report.partition)]@\(report.offset) (original \(plan.message.topic)): \(reason)",
                        correlationID: correlationID)
                    return Self.doneRedirect("/console/dead-letters", [("done", "replayed"), ("subject", address.description)], audited: audited)
                case .refused(_, let why):
                    throw APIError.conflict("dead_letter.not_replayable", "\(address) was not replayed: \(why)")
                case .failed(_, let why):
                    throw ConsoleActionFailure(description: "\(address): \(why)")
                case .wouldReplay:
                    throw ConsoleActionFailure(description: "\(address): a dry run where a replay was asked for")
                }
            }
        }
        router.post("/console/dead-letters/drop") { request, _ in
            await action(request, name: "deadLetter.drop") { signedIn, form, correlationID in
                let (address, reason) = try letterForm(form)
                let outcome = try await withDeadLetters { try await $0.drop(address, reason: reason, actor: signedIn.login) }
                switch outcome {
                case .dropped:
                    let audited = await audit.record(
                        admin: signedIn.login, action: "deadLetter.drop", subject: address.description, outcome: .done, detail: reason,
                        correlationID: correlationID)
                    return Self.doneRedirect("/console/dead-letters", [("done", "dropped"), ("subject", address.description)], audited: audited)
                case .alreadyDropped(let earlier):
                    throw APIError.conflict("dead_letter.already_dropped", "\(address) was dropped by \(earlier.actor) already")
                case .alreadyReplayed(let earlier):
                    throw APIError.conflict(
                        "dead_letter.already_replayed", "\(address) was replayed by \(earlier.actor) already; a drop cannot take it back")
                case .notFound:
                    throw APIError.notFound("dead_letter.not_found", "no message at \(address)")
                }
            }
        }
    }

    /// The letter a form names (on a declared dead-letter topic) and the operator's reason.
    private func letterForm(_ form: ConsoleForm) throws -> (DeadLetterAddress, String) {
        guard let topic = form.text("topic"), deadLetterTopics.contains(topic) else {
            throw APIError.badRequest("request.invalid_field", "topic must be a declared dead-letter topic")
        }
        guard let partition = form.text("partition").flatMap(Int32.init), partition >= 0,
            let offset = form.text("offset").flatMap(Int64.init), offset >= 0
        else { throw APIError.badRequest("request.invalid_field", "partition and offset must be non-negative integers") }
        let reason = try InputText.required(form["reason"], field: "reason", maxCharacters: 200)
        return (DeadLetterAddress(topic: topic, partition: partition, offset: offset), reason)
    }

    /// The most letters one page shows (the filter narrows them).
    static let maxLettersShown = 500
    /// The page reads only the newest letters of each partition, so that it stays quick (and the API's memory
    /// bounded) however many letters pile up during an incident; `paystream-dlq list` reads them all.
    static let newestLettersReadPerPartition = 200

    private func deadLetterTable(
        _ entries: [DeadLetterEntry], notRead: Int64, all: Bool, errorText: String?, signedIn: ConsoleSessions.Operator
    ) -> HTML {
        let lines = entries.prefix(Self.maxLettersShown).map { entry -> HTML in
            let letter = entry.letter
            let id = "letter-\(entry.address.topic)-\(entry.address.partition)-\(entry.address.offset)"
            let hidden: HTML = """
                \(Self.csrfField(signedIn))<input type="hidden" name="topic" value="\(entry.address.topic)">\
                <input type="hidden" name="partition" value="\(entry.address.partition)"><input type="hidden" name="offset" value="\(entry.address.offset)">
                """
            let actions: HTML =
                entry.status == .pending && letter != nil
                ? """
                    <form method="post" action="/console/dead-letters/replay">\(hidden)\
                    <input type="text" name="reason" placeholder="reason" required maxlength="200" id="replay-reason-\(id)">\
                    <button type="submit" id="replay-\(id)">Replay</button></form>\
                    <form method="post" action="/console/dead-letters/drop">\(hidden)\
                    <input type="text" name="reason" placeholder="reason" required maxlength="200" id="drop-reason-\(id)">\
                    <button type="submit" id="drop-\(id)">Drop</button></form>
                    """
                : HTML.joined(entry.actions.map { "<div>\($0.kind.rawValue) by \($0.actor) at \(ConsoleFormat.time($0.createdAt)): \($0.reason)</div>" })
            let key = letter?.key.map { String(decoding: $0, as: UTF8.self) } ?? entry.message.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
            let payload = String(decoding: (letter?.value ?? entry.message.value).prefix(600), as: UTF8.self)
            return """
                <tr id="\(id)"><td><code>\(entry.address.description)</code></td>\
                <td><code>\(letter.map { "\($0.originalTopic)[\($0.originalPartition)]@\($0.originalOffset)" } ?? "not a dead letter")</code></td>\
                <td><code>\(key)</code></td><td><strong>\(letter?.errorCode ?? "")</strong><br>\(letter?.error ?? "")</td>\
                <td>\(letter?.attempts ?? 0)</td><td>\(letter?.firstFailureAt ?? "")</td><td class="status">\(entry.status.rawValue)</td>\
                <td><details><summary>payload</summary><code>\(payload)</code></details></td><td>\(actions)</td></tr>
                """
        }
        return """
            <form class="filters" method="get" action="/console/dead-letters">\
            <label>Error contains <input type="text" name="error" value="\(errorText ?? "")" maxlength="200"></label>\
            <label><input type="checkbox" name="all" value="1"\(all ? " checked" : "")> also replayed and dropped</label>\
            <button type="submit">Show</button></form>
            <table id="dead-letters"><thead><tr><th>Letter</th><th>Original</th><th>Key</th><th>Error</th><th>Attempts</th>\
            <th>First failure</th><th>Status</th><th>Message</th><th>Decision</th></tr></thead><tbody>\
            \(HTML.list(lines, or: "<tr><td colspan=\"9\" class=\"muted\">No dead letters here.</td></tr>"))</tbody></table>
            <p class="muted">\(entries.count > Self.maxLettersShown ? "The first \(Self.maxLettersShown) of \(entries.count) letters; narrow them with the filter. " : "")            Read from \(deadLetterTopics.count) dead-letter topics.</p>\(notRead > 0 ? Self.notReadWarning(notRead) : "")
            """
    }
}

extension ConsoleRoutes {
    /// Says how many older letters the page left unread, and where to find them.
    static func notReadWarning(_ notRead: Int64) -> HTML {
        """
        <p class="warning" id="dead-letters-not-read">\(notRead) older letters were not read: this page reads the newest \
        \(newestLettersReadPerPartition) of each partition. <code>paystream-dlq list</code> lists every letter.</p>
        """
    }
}

/// An action that failed for a reason the operator should read (not a refusal of their request).
struct ConsoleActionFailure: Error, CustomStringConvertible {
    let description: String
}
