import PaystreamCore

/// Why a channel notify (callback) was not accepted.
///
/// Guarantees: ``code`` is stable and machine-readable; a notify that fails any check yields exactly one of these
/// and never any parsed content, so nothing from an unauthenticated notify can reach the ledger. The platform
/// should answer such a notify with an error status (the channel will retry) and log the code.
public struct NotifyVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A machine-readable kind of failure; its `rawValue` never changes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The signature does not verify over the exact bytes received.
        public static let badSignature = Code("notify.bad_signature")
        /// The signing timestamp is 5 minutes or more away from now (a replay or a badly wrong clock).
        public static let expiredTimestamp = Code("notify.expired_timestamp")
        /// The notify names a platform key (serial) this merchant does not have.
        public static let unknownPlatformKey = Code("notify.unknown_key")
        /// The encrypted resource does not decrypt and authenticate under the APIv3 key.
        public static let decryptionFailed = Code("notify.decryption_failed")
        /// Headers, body or plaintext are missing fields or do not parse.
        public static let malformed = Code("notify.malformed")
        /// The notify is authentic but addressed to another application or merchant.
        public static let recipientMismatch = Code("notify.recipient_mismatch")
    }

    public let code: Code
    public let channel: Channel
    /// What failed, in words (safe to log: no keys, no plaintext).
    public let message: String

    public init(_ code: Code, channel: Channel, _ message: String) {
        self.code = code
        self.channel = channel
        self.message = message
    }

    public var description: String { "\(code) [\(channel.rawValue)] \(message)" }
}
