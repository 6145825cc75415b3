import Cryptography
import Foundation
import Hummingbird
import Logging
import NIOCore
import PaystreamRuntime

/// Verifies who is calling, before idempotency and the routes:
/// - a signed request (``RequestSignature``: `X-Paystream-App-Id`, `-Timestamp`, `-Nonce`, `-Signature`) proves an
///   API client, hence its account. Refused with 401 and a reason code: a missing header
///   (`auth.signature_missing`), a timestamp more than 300 s from the server's clock (`auth.timestamp_skew`), a
///   malformed nonce (`auth.nonce_invalid`), an unknown or disabled app (`auth.unknown_app`), a signature that
///   does not match (`auth.signature_invalid`), a nonce this app used before (`auth.nonce_reused`, checked after
///   the signature so nobody can burn another client's nonces);
/// - `Authorization: Bearer <session>` proves a login (merchant or operator): `auth.session_invalid`,
///   `auth.session_expired`, `auth.session_revoked` (logged out: `POST /v1/auth/logout`, or the console's sign-out); a merchant session with another merchant's signature is 403 `auth.session_mismatch`;
/// - the provisional identity headers of earlier versions are refused (`auth.unsigned_identity`), so a client
///   that still sends them learns it at once instead of acting as nobody.
/// Channel notifies (`/notify/…`) are not looked at: the channels sign them their own way.
/// A request with none of these goes on unauthenticated: public routes (notifies, the payer's pages, login,
/// health, the OpenAPI document) need nothing, every other route refuses it through ``Caller``.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let security: APISecurity
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The channels' notifies are authenticated by the channels' own signatures and answered in their
        // formats; client identity headers mean nothing there.
        if request.uri.path.hasPrefix("/notify/") { return try await next(request, context) }
        var request = request
        switch try await identify(&request, logger: context.logger) {
        case .refused(let response): return response
        case .identified(let identity): return try await Authenticated.$current.withValue(identity) { try await next(request, context) }
        }
    }

    private enum Outcome {
        case identified(Authenticated)
        case refused(Response)
    }

    /// Why a request is refused: its code, message and status.
    private struct Refusal: Error {
        let code: String
        let message: String
        var status: HTTPResponse.Status = .unauthorized
    }

    /// The four signature headers of a request that carries any of them.
    private struct SignedHeaders {
        let appID: String
        let timestamp: String
        let nonce: String
        let signature: String
        let at: Date
    }

    /// Who sent `request` (whose body it collects when the request is signed), or the refusal to answer.
    ///
    /// Kept out of line on purpose (see ``APIRouter``, on frames): inlined into ``handle(_:context:next:)``, this
    /// work made a 9.6 KB frame that stayed under every route. Out of line, its frame is given back before the
    /// route runs; and the checks between its awaits are synchronous functions of their own, whose temporaries
    /// live on the thread's stack instead of in this frame.
    @inline(never)
    private func identify(_ request: inout Request, logger: Logger) async throws -> Outcome {
        do {
            var identity = Authenticated()
            if let signed = try Self.signedHeaders(of: request, now: now()) {
                guard signed.appID.utf8.count <= 64, let client = try await Self.client(signed.appID, at: signed.at, security, logger: logger) else {
                    throw Refusal(code: "auth.unknown_app", message: "no enabled API client \(signed.appID.prefix(64))")
                }
                let body = try await APIStages.signatureBody.measure { try await request.collectBody(upTo: maxRequestBodyBytes) }
                try Self.checkSignature(signed, of: request, body: body, secret: client.secret)
                guard try await APIStages.signatureNonce.measure({ try await security.claimNonce(appID: signed.appID, nonce: signed.nonce) }) else {
                    throw Refusal(code: "auth.nonce_reused", message: "this nonce was used before: every request needs a new one")
                }
                identity.account = client.account
                identity.appID = signed.appID
            }
            try Self.addSession(of: request, to: &identity, key: security.sessionKey, now: now())
            if let token = identity.sessionToken, let session = identity.session,
                let revocation = try await security.revocation(of: token, session: session)
            {
                switch revocation {
                case .loggedOut: throw Refusal(code: "auth.session_revoked", message: "this session was logged out: log in again")
                case .passwordChanged:
                    throw Refusal(code: "auth.session_revoked", message: "the login's password was changed since this session began: log in again")
                }
            }
            return .identified(identity)
        } catch let refusal as Refusal {
            return .refused(Self.refuse(refusal, request, logger: logger))
        }
    }

    /// The enabled client `appID`, nil when there is none. A client whose stored secret does not open for it (damaged,
    /// or copied from another client's row: ``SealedColumns``) signs nothing: it is refused as unknown, and logged.
    private static func client(_ appID: String, at: Date, _ security: APISecurity, logger: Logger) async throws -> APIClients.Credentials? {
        do {
            return try await APIStages.signatureClient.measure { try await security.client(appID, now: at) }
        } catch let error as CryptoError where error.code == .authenticationFailed {
            logger.error(
                "an API client's stored secret does not open for it (damaged, or copied from another client); its requests are refused",
                metadata: ["app_id": "\(appID)", "error": "\(error)"])
            return nil
        }
    }

    /// The signature headers, checked for shape and time; nil when the request carries none of them.
    @inline(never)
    private static func signedHeaders(of request: Request, now: Date) throws(Refusal) -> SignedHeaders? {
        if request.header("X-Paystream-Account") != nil || request.header("X-Paystream-Admin") != nil {
            throw Refusal(
                code: "auth.unsigned_identity",
                message: "X-Paystream-Account and X-Paystream-Admin are not accepted: sign the request (X-Paystream-App-Id, …) or log in")
        }
        let names = [RequestSignature.appIDHeader, RequestSignature.timestampHeader, RequestSignature.nonceHeader, RequestSignature.signatureHeader]
        let present = names.map { request.header($0) }
        guard present.contains(where: { $0 != nil }) else { return nil }
        guard let appID = present[0], let timestampText = present[1], let nonce = present[2], let signature = present[3] else {
            throw Refusal(code: "auth.signature_missing", message: "a signed request carries all of \(names.joined(separator: ", "))")
        }
        guard timestampText.utf8.count <= 12, let timestamp = Int(timestampText),
            abs(TimeInterval(timestamp) - now.timeIntervalSince1970) <= APISecurity.clockSkew
        else {
            throw Refusal(
                code: "auth.timestamp_skew",
                message: "\(RequestSignature.timestampHeader) must be within 300 s of the server's clock (seconds since 1970)")
        }
        guard (16...64).contains(nonce.utf8.count), nonce.utf8.allSatisfy(isNonceByte) else {
            throw Refusal(code: "auth.nonce_invalid", message: "\(RequestSignature.nonceHeader) must be 16...64 of [A-Za-z0-9_-]")
        }
        return SignedHeaders(appID: appID, timestamp: timestampText, nonce: nonce, signature: signature, at: now)
    }

    @inline(never)
    private static func checkSignature(_ signed: SignedHeaders, of request: Request, body: ByteBuffer, secret: [UInt8]) throws(Refusal) {
        let text = RequestSignature.canonicalText(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            body: body.readableBytesView, timestamp: signed.timestamp, nonce: signed.nonce)
        guard RequestSignature.isValid(signature: signed.signature, secret: secret, canonicalText: text) else {
            throw Refusal(code: "auth.signature_invalid", message: "the signature does not match the request")
        }
    }

    /// Verifies `Authorization: Bearer <session>` when the request carries it.
    @inline(never)
    private static func addSession(of request: Request, to identity: inout Authenticated, key: [UInt8], now: Date) throws(Refusal) {
        guard let authorization = request.header("Authorization") else { return }
        guard authorization.hasPrefix("Bearer ") else {
            throw Refusal(code: "auth.session_invalid", message: "Authorization must be `Bearer <session>`")
        }
        let token = String(authorization.dropFirst(7))
        do {
            identity.session = try SessionToken.verify(token, key: key, now: now)
            identity.sessionToken = token
        } catch .expired {
            throw Refusal(code: "auth.session_expired", message: "the session has expired: log in again")
        } catch {
            throw Refusal(code: "auth.session_invalid", message: "the session token is not one this API issued")
        }
        if let session = identity.session, session.role == .merchant, let account = identity.account, account != session.account {
            throw Refusal(
                code: "auth.session_mismatch", message: "the merchant session belongs to another account than the signature", status: .forbidden)
        }
    }

    @inline(never)
    private static func refuse(_ refusal: Refusal, _ request: Request, logger: Logger) -> Response {
        let correlationID = Caller.correlationID(of: request)
        logger.notice("request refused", metadata: ["code": "\(refusal.code)", "path": "\(request.uri.path)", "correlation_id": "\(correlationID)"])
        return APIError(refusal.status, refusal.code, refusal.message).response(correlationID: correlationID)
    }

    private static func isNonceByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
    }
}
