import Foundation
import Hummingbird
import PaystreamRuntime

/// The back-office console: HTML pages rendered by the API for operators (the `admin` role), no script at all.
///
/// - `GET /console/login`, `POST /console/login` (form `login`, `password`, `csrf`), `POST /console/logout`.
/// - Withdrawals: the review queue by status, approve, reject with a reason (``ConsoleRoutes+Withdrawals``).
/// - Dead letters: every dead-letter topic's letters, replay or drop with a reason (``ConsoleRoutes+DeadLetters``).
/// - Reconciliation: a day's runs and their differences, resolve with or without a correcting entry.
/// - Held payments: the authentic payments the intake did not credit, and whether a correction has (read only).
/// - Held refunds: the refunds the refund dispatcher holds for an operator, resolved there (``ConsoleRoutes+Refunds``).
/// - Accounts: balances and the ledger history of one account. Audit: the console's own trail.
///
/// Guarantees: a page without a console session redirects to the sign-in page; an action without one, or
/// without the session's CSRF token, is refused with 403 and changes nothing; every action and every sign-in
/// attempt is written to `console_audit` with the operator's login, whether it was done or refused; the actions
/// go through the same code as the JSON API and the operator tools (the review publishes the same event, a
/// replay is the dead-letter tool's replay, a resolution is `ReconResolutions`).
struct ConsoleRoutes: Sendable {
    let services: APIServices

    var sessions: ConsoleSessions { ConsoleSessions(security: services.security, publicURL: services.publicURL) }
    var audit: ConsoleAudit { ConsoleAudit(postgres: services.store.postgres, logger: services.logger) }

    func register(on router: Router<APIRequestContext>) {
        router.get("/console") { _, _ in ConsoleLayout.redirect("/console/withdrawals") }
        router.get("/console/console.css") { _, _ in
            var fields = HTTPFields()
            fields[.cacheControl] = "max-age=3600"
            fields[.init("X-Content-Type-Options")!] = "nosniff"
            return Response.bytes(.ok, Array(ConsoleLayout.stylesheet.utf8), contentType: "text/css; charset=utf-8", headers: fields)
        }
        router.get("/console/login") { request, _ in
            if (try? await sessions.signedIn(request, now: services.now())) != nil { return ConsoleLayout.redirect("/console/withdrawals") }
            return signInPage(request, status: .ok, error: nil)
        }
        router.post("/console/login") { request, _ in await signIn(request) }
        router.post("/console/logout") { request, _ in
            await action(request, name: "signOut") { signedIn, _, _ in
                let cleared = try await sessions.close(signedIn, now: services.now())
                return ConsoleLayout.redirect("/console/login", cookies: [cleared])
            }
        }
        registerWithdrawals(on: router)
        registerWithdrawalResolution(on: router)
        registerDeadLetters(on: router)
        registerReconciliation(on: router)
        registerHeldPayments(on: router)
        registerRefunds(on: router)
        registerAccounts(on: router)
    }

    // MARK: signing in

    func signInPage(_ request: Request, status: HTTPResponse.Status, error: String?) -> Response {
        let token = sessions.signInToken(request)
        let body: HTML = """
            <form class="signin" method="post" action="/console/login">
            <h1>Paystream back office</h1>\(error.map { "<p class=\"error\" id=\"error\">\($0)</p>" as HTML } ?? .empty)
            <input type="hidden" name="csrf" value="\(token.token)">
            <label for="login">Login</label><input type="text" id="login" name="login" autocomplete="username" required maxlength="64">
            <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
            <button type="submit" id="sign-in">Sign in</button></form>
            """
        var headers = HTTPFields()
        if let cookie = token.cookie { headers.append(HeaderField(name: .setCookie, value: cookie)) }
        return ConsoleLayout.document("Sign in", body, status: status, headers: headers)
    }

    private func signIn(_ request: Request) async -> Response {
        let correlationID = Caller.correlationID(of: request)
        do {
            var request = request
            let form = ConsoleForm(try await request.collectBody(upTo: ConsoleForm.maxBytes).readableBytesView)
            let login = String((form.text("login") ?? "").prefix(64))
            guard sessions.isGenuineSignIn(form, request: request) else {
                // Logged, not audited: this costs the sender nothing, and the audit trail is append-only.
                services.logger.notice("console sign-in without its CSRF token", metadata: ["login": "\(login)", "correlation_id": "\(correlationID)"])
                return signInPage(request, status: .forbidden, error: "The form expired. Please sign in again.")
            }
            guard !login.isEmpty, let password = form["password"], (1...1024).contains(password.utf8.count) else {
                return signInPage(request, status: .badRequest, error: "Enter the login and the password.")
            }
            switch try await services.security.logins.verify(login: login, password: password, now: services.now()) {
            case .accepted(let principal) where principal.role == .admin:
                let opened = try sessions.open(principal, now: services.now())
                await audit.record(admin: login, action: "signIn", subject: "", outcome: .done, correlationID: correlationID)
                services.logger.notice("console sign-in", metadata: ["login": "\(login)", "correlation_id": "\(correlationID)"])
                return ConsoleLayout.redirect("/console/withdrawals", cookies: [opened.cookie])
            case .accepted:
                // A merchant's login is right but has no business here: the same answer as a wrong password.
                await audit.record(admin: login, action: "signIn", subject: "", outcome: .refused, detail: "not an operator", correlationID: correlationID)
                return signInPage(request, status: .unauthorized, error: "The login or the password is wrong.")
            case .rejected:
                await audit.record(admin: login, action: "signIn", subject: "", outcome: .refused, detail: "wrong login or password", correlationID: correlationID)
                return signInPage(request, status: .unauthorized, error: "The login or the password is wrong.")
            case .locked(let until):
                await audit.record(admin: login, action: "signIn", subject: "", outcome: .refused, detail: "locked until \(ConsoleFormat.time(until))", correlationID: correlationID)
                return signInPage(request, status: .tooManyRequests, error: "Too many failed sign-ins. Try again later.")
            case .busy:
                return signInPage(request, status: .serviceUnavailable, error: "Too many sign-ins at once. Try again in a moment.")
            }
        } catch {
            services.logger.error("console sign-in failed", metadata: ["error": "\(error)", "correlation_id": "\(correlationID)"])
            return signInPage(request, status: .internalServerError, error: "Signing in failed (\(correlationID)).")
        }
    }

    // MARK: pages and actions

    /// A page: the signed-in operator, or a redirect to the sign-in page. An error is a page naming the request.
    func page(_ request: Request, _ body: (ConsoleSessions.Operator, String) async throws -> Response) async -> Response {
        let correlationID = Caller.correlationID(of: request)
        do {
            guard let signedIn = try await sessions.signedIn(request, now: services.now()) else { return ConsoleLayout.redirect("/console/login") }
            do {
                return try await body(signedIn, correlationID)
            } catch let error as APIError {
                return ConsoleLayout.page("Not shown", section: "", signedIn: signedIn, status: error.status, Self.problem(error.message))
            }
        } catch {
            services.logger.error("console page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)", "correlation_id": "\(correlationID)"])
            return ConsoleLayout.document("Error", Self.problem("The page could not be shown (request \(correlationID))."), status: .internalServerError)
        }
    }

    /// A state-changing action from a console form: refused with 403 (and audited) without a session or without
    /// its CSRF token; otherwise `body` runs with the form. A refusal it throws (an ``APIError``) is audited and
    /// shown with its status; anything else is audited as failed and shown as 500.
    func action(
        _ request: Request, name: String, subject: String = "",
        _ body: (ConsoleSessions.Operator, ConsoleForm, String) async throws -> Response
    ) async -> Response {
        let correlationID = Caller.correlationID(of: request)
        do {
            var request = request
            let form = ConsoleForm(try await request.collectBody(upTo: ConsoleForm.maxBytes).readableBytesView)
            guard let signedIn = try await sessions.signedIn(request, now: services.now()) else {
                return ConsoleLayout.document("Signed out", Self.problem("Sign in first.") + " <a href=\"/console/login\">Sign in</a>", status: .forbidden)
            }
            guard sessions.isGenuine(form, of: signedIn, request: request) else {
                await audit.record(admin: signedIn.login, action: name, subject: subject, outcome: .refused, detail: "no valid CSRF token", correlationID: correlationID)
                services.logger.warning("console action without its CSRF token", metadata: ["login": "\(signedIn.login)", "action": "\(name)", "correlation_id": "\(correlationID)"])
                return ConsoleLayout.page("Refused", section: "", signedIn: signedIn, status: .forbidden, Self.problem("The form is not one this console gave you: nothing was done."))
            }
            do {
                return try await body(signedIn, form, correlationID)
            } catch let error as APIError {
                await audit.record(admin: signedIn.login, action: name, subject: subject, outcome: .refused, detail: "\(error.code): \(error.message)", correlationID: correlationID)
                return ConsoleLayout.page("Refused", section: "", signedIn: signedIn, status: error.status, Self.problem(error.message))
            } catch {
                await audit.record(admin: signedIn.login, action: name, subject: subject, outcome: .failed, detail: "\(error)", correlationID: correlationID)
                services.logger.error("console action failed", metadata: ["action": "\(name)", "error": "\(error)", "correlation_id": "\(correlationID)"])
                return ConsoleLayout.page("Failed", section: "", signedIn: signedIn, status: .internalServerError, Self.problem("The action failed (request \(correlationID))."))
            }
        } catch {
            services.logger.error("console action failed", metadata: ["action": "\(name)", "error": "\(error)", "correlation_id": "\(correlationID)"])
            return ConsoleLayout.document("Error", Self.problem("The action failed (request \(correlationID))."), status: .internalServerError)
        }
    }

    static func problem(_ message: String) -> HTML { "<p class=\"error\" id=\"error\">\(message)</p>" }

    /// The hidden CSRF field of every form.
    static func csrfField(_ signedIn: ConsoleSessions.Operator) -> HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(signedIn.csrf)\">" }

    /// The page after a done action: `path` with the notice's `done` and `subject`, and `audit=missing` when the
    /// action's audit row could not be written (the page then says so).
    static func doneRedirect(_ path: String, _ query: [(String, String?)], audited: Bool) -> Response {
        ConsoleLayout.redirect(ConsoleFormat.link(path, query + (audited ? [] : [("audit", "missing")])))
    }

    /// A done action's notice, from a fixed list of texts (the subject, escaped, is the only part from the query).
    static func notice(_ request: Request) -> HTML? {
        guard let done = request.consoleQuery("done") else { return nil }
        let subject = request.consoleQuery("subject") ?? ""
        let text: String? = switch done {
        case "approved": "Approved withdrawal \(subject): the payout follows."
        case "rejected": "Rejected withdrawal \(subject): the amount is unfrozen."
        case "replayed": "Replayed dead letter \(subject)."
        case "dropped": "Dropped dead letter \(subject)."
        case "resolved": "Resolved difference \(subject)."
        case "proposed": "Proposed a correction of difference \(subject): another operator approves it before anything moves."
        case "correction-approved": "Approved correction \(subject): its entry is posted and its difference resolved."
        case "correction-declined": "Declined correction \(subject): its difference stays open."
        case "payout-resolved": "Resolved held payout \(subject)."
        case "refund-resolved": "Resolved held refund \(subject)."
        default: nil
        }
        let warning = request.consoleQuery("audit") == "missing" ? " The audit row of this action could NOT be written: tell the platform team." : ""
        return text.map { "\($0)\(warning)" as HTML }
    }
}

extension HTML {
    static func + (lhs: HTML, rhs: HTML) -> HTML { joined([lhs, rhs]) }
}

extension Request {
    /// A query parameter as a string (decoded), or nil.
    func consoleQuery(_ name: String) -> String? { uri.queryParameters.get(name).map { String($0) } }
}
