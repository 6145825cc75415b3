import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a text message to a phone. The platform depends only on this protocol, so a real provider's gateway can
/// be plugged in beside ``SimulatedSMSGateway`` (none is built yet).
///
/// Guarantees asked of every implementation: `send` returns only once the provider accepted the message;
/// any failure is an ``SMSGatewayError`` whose text contains neither the phone number nor the message.
public protocol SMSGateway: Sendable {
    /// Sends `text` to `phone` (digits, optionally with a leading `+`); returns the provider's message id.
    func send(phone: String, text: String) async throws(SMSGatewayError) -> String
}

/// Why a message was not accepted. Safe to log: it never holds the phone number or the text.
public struct SMSGatewayError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// True when the same message may be sent again later.
    public let isRetriable: Bool
    public init(_ message: String, isRetriable: Bool) {
        self.message = message
        self.isRetriable = isRetriable
    }
    public var description: String { "sms gateway: \(message)" }
}

/// The SIMULATED SMS gateway of paystream-sim (`POST <baseURL>/sms/v1/messages` `{"phone","text"}`): nothing is
/// delivered; the sandbox records the message, and tests read it through the sandbox's control API. For local
/// runs and tests only.
public struct SimulatedSMSGateway: SMSGateway {
    public let baseURL: String
    let client: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: String, httpClient: HTTPClient, timeout: TimeAmount = .seconds(5)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = httpClient
        self.timeout = timeout
    }

    public func send(phone: String, text: String) async throws(SMSGatewayError) -> String {
        struct Message: Encodable { var phone: String; var text: String }
        struct Sent: Decodable { var messageId: String }
        var request = HTTPClientRequest(url: baseURL + "/sms/v1/messages")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        do {
            request.body = .bytes(try JSONEncoder().encode(Message(phone: phone, text: text)))
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok else {
                throw SMSGatewayError(
                    "the simulated gateway answered HTTP \(response.status.code)", isRetriable: response.status.code >= 500)
            }
            return try JSONDecoder().decode(Sent.self, from: Data(body.readableBytesView)).messageId
        } catch let error as SMSGatewayError {
            throw error
        } catch is DecodingError {
            throw SMSGatewayError("the simulated gateway's answer is not {\"messageId\"}", isRetriable: false)
        } catch {
            throw SMSGatewayError("the simulated gateway is not reachable (\(type(of: error)))", isRetriable: true)
        }
    }
}

/// The gateway of a deployment that configured none: every send fails, so nothing that needs a code can
/// complete (card binding answers 503 `sms.unavailable`).
public struct UnconfiguredSMSGateway: SMSGateway {
    public init() {}
    public func send(phone: String, text: String) async throws(SMSGatewayError) -> String {
        throw SMSGatewayError("no SMS gateway is configured", isRetriable: false)
    }
}
