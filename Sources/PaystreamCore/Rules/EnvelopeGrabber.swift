/// One user's place in one envelope: the ledger credits each grabber of an envelope at most once.
///
/// The Redis grab script already refuses a second grab by the same user, but Redis can lose what it recorded
/// (a restart inside its fsync window, a failover, a restored snapshot) and then answer the same user again
/// with another grab id. The ledger keeps the rule itself, so such a grab is refused
/// (`envelope.already_grabbed`) instead of paying the user twice.
public struct EnvelopeGrabber: Sendable, Hashable, CustomStringConvertible {
    public let envelopeOrderID: String
    public let grabber: AccountID

    public init(envelopeOrderID: String, grabber: AccountID) {
        self.envelopeOrderID = envelopeOrderID
        self.grabber = grabber
    }

    public var description: String { "\(grabber) in \(envelopeOrderID)" }
}
