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

    func addNotify(_ record: NotifyRecord) {
        notifies.append(record)
        if notifies.count > maxNotifyRecords { notifies.removeFirst(notifies.count - maxNotifyRecords) }
    }

    func updateNotify(_ id: String, _ change: @Sendable (inout NotifyRecord) -> Void) {
        guard let index = notifies.lastIndex(where: { $0.id == id }) else { return }
        change(&notifies[index])
    }

    func notifyRecord(_ id: String) -> NotifyRecord? { notifies.last { $0.id == id } }

    func allNotifies() -> [NotifyRecord] { notifies }

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
