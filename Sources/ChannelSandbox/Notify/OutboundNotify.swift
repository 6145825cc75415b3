import Foundation
import PaystreamCore

/// A notify a simulated channel sends to the platform, in that channel's format.
struct OutboundNotify: Sendable {
    let channel: Channel
    let event: String
    let reference: String
    let url: String
    let contentType: String
    /// The body and signature headers of one attempt (WeChat signs each attempt afresh), given the notify faults
    /// in force when the notify was made: tamper, wrong key and timestamp offset are applied here.
    let prepare: @Sendable (SandboxFaults.Notify) throws -> PreparedNotify
    /// Whether the platform's answer acknowledges the notify (WeChat: 2xx; Alipay: exactly `success`).
    let isAcknowledged: @Sendable (_ status: Int, _ answer: String) -> Bool
}

struct PreparedNotify: Sendable {
    var body: [UInt8]
    var headers: [(String, String)]
    var tampered: Bool
}

/// A notify (with its duplicates) waiting for the next one under the reorder fault.
struct HeldNotify: Sendable {
    let notify: OutboundNotify
    let faults: SandboxFaults.Notify
    let recordIDs: [String]
    let delay: Duration
}

extension SandboxState {
    func nextNotifyID() -> String {
        notifyCounter += 1
        return "ntf-\(notifyCounter)-\(SandboxID.alphanumeric(6))"
    }

    /// Keeps the newest `maxNotifyRecords` records. The oldest are forgotten by moving `notifyStart` past them,
    /// and the array is compacted once that many are forgotten, not on every record: at the bound,
    /// `removeFirst(1)` per record copied all 10,000 records each time (1.3% of the sandbox's CPU at 800
    /// mixed requests/s).
    func addNotify(_ record: NotifyRecord) {
        notifies.append(record)
        if notifies.count - notifyStart > maxNotifyRecords { notifyStart = notifies.count - maxNotifyRecords }
        if notifyStart >= maxNotifyRecords {
            notifies.removeFirst(notifyStart)
            notifyStart = 0
        }
    }

    func updateNotify(_ id: String, _ change: @Sendable (inout NotifyRecord) -> Void) {
        guard let index = notifies[notifyStart...].lastIndex(where: { $0.id == id }) else { return }
        change(&notifies[index])
    }

    func notifyRecord(_ id: String) -> NotifyRecord? { notifies[notifyStart...].last { $0.id == id } }

    func allNotifies() -> [NotifyRecord] { Array(notifies[notifyStart...]) }

    /// Under the reorder fault: holds `unit` if nothing is held (returns []), else returns `[unit, held]` to be
    /// sent in that order.
    func holdForReorder(_ unit: HeldNotify) -> [HeldNotify] {
        guard let held = heldNotify else {
            heldNotify = unit
            return []
        }
        heldNotify = nil
        return [unit, held]
    }

    func releaseHeld() -> HeldNotify? {
        defer { heldNotify = nil }
        return heldNotify
    }
}
