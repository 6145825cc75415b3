import Cryptography
import Foundation
import Hummingbird
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
///   `auth.session_expired`; a merchant session with another merchant's signature is 403 `auth.session_mismatch`;
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
        let correlationID = Caller.correlationID(of: request)
        func refuse(_ code: String, _ message: String, status: HTTPResponse.Status = .unauthorized) -> Response {
            context.logger.notice("request refused", metadata: ["code": "\(code)", "path": "\(request.uri.path)", "correlation_id": "\(correlationID)"])
            return APIError(status, code, message).response(correlationID: correlationID)
        }
        if request.header("X-Paystream-Account") != nil || request.header("X-Paystream-Admin") != nil {
            return refuse(
                "auth.unsigned_identity",
                "X-Paystream-Account and X-Paystream-Admin are not accepted: sign the request (X-Paystream-App-Id, …) or log in")
        }
        var request = request
        var identity = Authenticated()
        let signatureHeaders = [
            RequestSignature.appIDHeader, RequestSignature.timestampHeader, RequestSignature.nonceHeader, RequestSignature.signatureHeader,
        ]
        let present = signatureHeaders.map { request.header($0) }
        if present.contains(where: { $0 != nil }) {
            guard let appID = present[0], let timestampText = present[1], let nonce = present[2], let signature = present[3] else {
                return refuse("auth.signature_missing", "a signed request carries all of \(signatureHeaders.joined(separator: ", "))")
            }
            let current = now()
            guard timestampText.utf8.count <= 12, let timestamp = Int(timestampText),
                abs(TimeInterval(timestamp) - current.timeIntervalSince1970) <= APISecurity.clockSkew
            else { return refuse("auth.timestamp_skew", "\(RequestSignature.timestampHeader) must be within 300 s of the server's clock (seconds since 1970)") }
            guard (16...64).contains(nonce.utf8.count), nonce.utf8.allSatisfy(Self.isNonceByte) else {
                return refuse("auth.nonce_invalid", "\(RequestSignature.nonceHeader) must be 16...64 of [A-Za-z0-9_-]")
            }
            guard appID.utf8.count <= 64, let client = try await security.client(appID, now: current) else {
                return refuse("auth.unknown_app", "no enabled API client \(appID.prefix(64))")
            }
            let body = try await request.collectBody(upTo: maxRequestBodyBytes)
            let text = RequestSignature.canonicalText(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                body: body.readableBytesView, timestamp: timestampText, nonce: nonce)
            guard RequestSignature.isValid(signature: signature, secret: client.secret, canonicalText: text) else {
                return refuse("auth.signature_invalid", "the signature does not match the request")
            }
            guard try await security.claimNonce(appID: appID, nonce: nonce) else {
                return refuse("auth.nonce_reused", "this nonce was used before: every request needs a new one")
            }
            identity.account = client.account
            identity.appID = appID
        }
        if let authorization = request.header("Authorization") {
            guard authorization.hasPrefix("Bearer ") else { return refuse("auth.session_invalid", "Authorization must be `Bearer <session>`") }
            do {
                identity.session = try SessionToken.verify(String(authorization.dropFirst(7)), key: security.sessionKey, now: now())
            } catch .expired {
                return refuse("auth.session_expired", "the session has expired: log in again")
            } catch {
                return refuse("auth.session_invalid", "the session token is not one this API issued")
            }
            if let session = identity.session, session.role == .merchant, let account = identity.account, account != session.account {
                return refuse("auth.session_mismatch", "the merchant session belongs to another account than the signature", status: .forbidden)
            }
        }
        return try await Authenticated.$current.withValue(identity) { try await next(request, context) }
    }

    private static func isNonceByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
    }
}
