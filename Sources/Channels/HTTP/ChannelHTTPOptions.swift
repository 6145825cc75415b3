/// Limits for outbound calls to a channel.
///
/// Guarantees: every attempt ends within ``requestTimeout`` (connect, send, head and body together); at most
/// ``maxAttempts`` attempts are made, and more than one only for calls that are safe to repeat; an answer body
/// larger than ``maxResponseBytes`` is refused rather than buffered. Out-of-range values given to the
/// initializer are clamped (attempts to 1...5, timeout to at least 1 ms, body limit to at least 1 KiB), never
/// trusted and never a crash.
public struct ChannelHTTPOptions: Sendable, Equatable {
    /// The time one attempt may take, from connecting to the last body byte.
    public var requestTimeout: Duration
    /// Attempts for a call that is safe to repeat (1...5); other calls are attempted once.
    public private(set) var maxAttempts: Int
    /// The wait before the second attempt; doubled for each further attempt.
    public var initialBackoff: Duration
    /// The largest answer body read.
    public var maxResponseBytes: Int

    public init(
        requestTimeout: Duration = .seconds(10), maxAttempts: Int = 3, initialBackoff: Duration = .milliseconds(200),
        maxResponseBytes: Int = 8 << 20
    ) {
        self.requestTimeout = max(requestTimeout, .milliseconds(1))
        self.maxAttempts = min(max(maxAttempts, 1), 5)
        self.initialBackoff = max(initialBackoff, .zero)
        self.maxResponseBytes = max(maxResponseBytes, 1024)
    }
}
