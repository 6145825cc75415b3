import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import PaystreamCore

/// One HTTP request as a channel client builds it; rebuilt for every attempt so that each carries a fresh
/// timestamp, nonce and signature.
struct ChannelHTTPRequest: Sendable {
    enum Method: String, Sendable {
        case GET, POST
    }
    var method: Method
    var url: String
    var headers: [(String, String)]
    var body: [UInt8]?
}

/// An HTTP answer, fully read.
struct ChannelHTTPResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// The first header called `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// The only place the channel clients call AsyncHTTPClient.
///
/// Guarantees: each attempt ends within `options.requestTimeout`; a call marked `repeatable` (a read, or a write
/// carrying the channel's idempotency key) is retried after transport failures, timeouts, HTTP 429 and 5xx, at
/// most `options.maxAttempts` times in all, with doubling back-off; other calls are attempted exactly once. Every
/// failure is a ``ChannelError`` (`.timeout` or `.transport`), with `isRetriable` set when repeating is safe.
/// Answers with any status are returned to the caller, who maps them.
struct ChannelHTTPTransport: Sendable {
    let client: HTTPClient
    let options: ChannelHTTPOptions
    let channel: PaystreamCore.Channel
    let logger: Logger

    func send(
        _ operation: String, repeatable: Bool,
        build: @Sendable () throws(ChannelError) -> ChannelHTTPRequest
    ) async throws(ChannelError) -> ChannelHTTPResponse {
        let attempts = repeatable ? options.maxAttempts : 1
        var backoff = options.initialBackoff
        var attempt = 1
        while true {
            let request = try build()
            do {
                let response = try await once(request, operation: operation)
                let retryableStatus = response.status == 429 || (500...599).contains(response.status)
                if !retryableStatus || attempt >= attempts { return response }
                logger.warning(
                    "channel answered with a retryable status",
                    metadata: ["operation": "\(operation)", "status": "\(response.status)", "attempt": "\(attempt)"])
            } catch let failure {
                if attempt >= attempts || failure.code == .malformedResponse {
                    throw ChannelError(
                        failure.code, channel: channel, operation: operation,
                        message: failure.message + (attempt > 1 ? " (after \(attempt) attempts)" : ""),
                        isRetriable: repeatable)
                }
                logger.warning(
                    "channel call failed, retrying",
                    metadata: ["operation": "\(operation)", "error": "\(failure.code)", "attempt": "\(attempt)"])
            }
            do {
                try await Task.sleep(for: backoff)
            } catch {
                throw ChannelError(.transport, channel: channel, operation: operation, message: "cancelled")
            }
            backoff *= 2
            attempt += 1
        }
    }

    /// One attempt, bounded by the timeout as a whole (AsyncHTTPClient's deadline covers only the head).
    private func once(_ request: ChannelHTTPRequest, operation: String) async throws(ChannelError) -> ChannelHTTPResponse {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = request.method == .GET ? .GET : .POST
        for (name, value) in request.headers { outbound.headers.add(name: name, value: value) }
        if let body = request.body {
            outbound.body = .bytes(ByteBuffer(bytes: body))
        }
        let prepared = outbound
        let timeout = options.requestTimeout
        let limit = options.maxResponseBytes
        let client = self.client
        let logger = self.logger
        let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            return try await withThrowingTaskGroup(of: ChannelHTTPResponse?.self) { group in
                group.addTask {
                    let response = try await client.execute(
                        prepared, deadline: .now() + .nanoseconds(nanos), logger: logger)
                    let body = try await response.body.collect(upTo: limit)
                    return ChannelHTTPResponse(
                        status: Int(response.status.code), headers: response.headers.map { (name: $0.name, value: $0.value) }, body: Array(body.readableBytesView))
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw HTTPClientError.deadlineExceeded
                }
                return response
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout
            || error == .connectTimeout
        {
            throw ChannelError(
                .timeout, channel: channel, operation: operation, message: "no complete answer within \(timeout)")
        } catch let error as NIOTooManyBytesError {
            throw ChannelError(
                .malformedResponse, channel: channel, operation: operation,
                message: "answer body larger than \(limit) bytes (\(error))")
        } catch {
            throw ChannelError(.transport, channel: channel, operation: operation, message: "\(error)")
        }
    }
}
