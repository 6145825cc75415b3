/// Read access to the ledger as the rules see it: balances and orders before the event is applied.
///
/// Conformers guarantee a consistent view for the duration of one ``LedgerRules/effects(of:in:)`` call
/// (nothing changes underneath it), and return 0 for a bucket that never received a posting.
public protocol LedgerView {
    /// The balance of one bucket, in fen; >= 0 except for clearing accounts.
    func balanceFen(_ account: AccountID, _ bucket: Bucket) -> Int64
    /// The order with this id, or nil when it does not exist.
    func order(_ orderID: String) -> OrderSnapshot?
    /// The grab order (`grab:<grabId>`) through which this grabber was credited from this envelope, or nil when
    /// the grabber has not been.
    func grabOrderID(of grabber: EnvelopeGrabber) -> String?
}
