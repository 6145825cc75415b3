import PaystreamCore
import PaystreamRuntime

/// Who the current request proved to be, set by ``AuthenticationMiddleware`` for the handling of one request
/// (a task-local, so routes read it through ``Caller`` and nothing else can set it).
struct Authenticated: Sendable {
    /// The account of the API client whose signature was verified.
    var account: AccountID?
    var appID: String?
    /// A verified login session (`Authorization: Bearer`).
    var session: SessionToken?
    /// The token ``session`` was read from, as sent (what a revocation names).
    var sessionToken: String?

    @TaskLocal static var current = Authenticated()
}
