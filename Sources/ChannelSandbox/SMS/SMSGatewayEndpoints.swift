import Foundation
import Hummingbird

/// The SIMULATED SMS gateway: `POST /sms/v1/messages` `{"phone","text"}` → 200 `{"messageId","status":"sent"}`.
/// It delivers nothing; it records each message, which the control API shows (`GET /sandbox/sms?phone=`).
///
/// INVENTED: this is no real provider's API (real gateways authenticate the caller and send templates); it is
/// the smallest contract that lets paystream-api's `SMSGateway` be exercised over HTTP.
///
/// Guarantees: a phone is 6...20 digits (an optional leading `+`), a text 1...500 characters, else 400
/// `{"error":…}`; a recorded message is never changed.
struct SMSGatewayEndpoints: Sendable {
    let core: SandboxCore

    static let sendPath = "/sms/v1/messages"

    struct Message: Decodable {
        var phone: String
        var text: String
    }

    struct Sent: Encodable {
        var messageId: String
        var status = "sent"
    }

    func register(on router: Router<BasicRequestContext>) {
        let control = ControlEndpoints(core: core)
        router.post(RouterPath(stringLiteral: Self.sendPath)) { request, _ -> Response in
            await control.run {
                var request = request
                let message = try control.decode(Message.self, try await request.bodyBytes())
                let digits = message.phone.hasPrefix("+") ? message.phone.dropFirst() : Substring(message.phone)
                guard (6...20).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw SandboxError(.badRequest, "phone must be 6...20 digits")
                }
                guard (1...500).contains(message.text.count) else { throw SandboxError(.badRequest, "text must be 1...500 characters") }
                let recorded = await core.identities.record(phone: message.phone, text: message.text, now: Date())
                return .json(.ok, Sent(messageId: recorded.messageId))
            }
        }
        router.get("/sandbox/sms") { request, _ -> Response in
            await control.run {
                let phone = request.uri.queryParameters.get("phone").map { String($0) }
                return .json(.ok, await core.identities.sent(to: phone))
            }
        }
    }
}
