import AsyncHTTPClient
import Foundation
import Logging

import PaystreamCore

/// Delivers notifies to the platform the way the channels do: POST, wait for the acknowledgement, retry on the
/// configured schedule, and apply the notify faults in force when the notify was made.
///
/// Guarantees: every delivery and attempt is recorded (``NotifyRecord``) before and after it happens; a notify is
/// retried at most `schedule.count` times; duplicates are delivered one after another (each with its own
/// retries), never interleaved; nothing is sent after the sandbox stops.
struct NotifySender: Sendable {
    let state: SandboxState
    let work: BackgroundWork
    let schedule: [Duration]
    let timeout: Duration
    let logger: Logger
    /// The client notifies go out with: the shared one, or one trusting the configured roots (lives as long as
    /// the process, like the shared one).
    let client: HTTPClient

    /// Records the notify and queues its delivery (after `delayMs`, duplicated, held or dropped as the faults say).
    func send(_ notify: OutboundNotify, faults: SandboxFaults.Notify) async {
        let copies = faults.drop == true ? 1 : 1 + max(0, min(faults.duplicate ?? 0, 10))
        var ids: [String] = []
        for copy in 0..<copies {
            let id = await state.nextNotifyID()
            let prepared = try? notify.prepare(faults)
            let record = NotifyRecord(
                id: id, channel: notify.channel, event: notify.event, reference: notify.reference, url: notify.url,
                copy: copy, replayOf: nil,
                state: faults.drop == true ? .dropped : (faults.reorder == true ? .held : .pending),
                tampered: prepared?.tampered ?? false,
                body: prepared.map { String(decoding: $0.body, as: UTF8.self) } ?? "",
                headers: Dictionary((prepared?.headers ?? []) + [("Content-Type", notify.contentType)], uniquingKeysWith: { _, last in last }),
                attempts: [])
            await state.addNotify(record)
            ids.append(id)
        }
        if faults.drop == true {
            logger.info("notify dropped by fault", metadata: ["event": "\(notify.event)", "ref": "\(notify.reference)"])
            return
        }
        let unit = HeldNotify(notify: notify, faults: faults, recordIDs: ids, delay: .milliseconds(faults.delayMs ?? 0))
        if faults.reorder == true {
            let ready = await state.holdForReorder(unit)
            if !ready.isEmpty { start(ready) }
        } else {
            start([unit])
        }
    }

    /// Sends the notify held by the reorder fault, if any.
    func flush(_ held: HeldNotify?) {
        if let held { start([held]) }
    }

    private func start(_ units: [HeldNotify]) {
        let accepted = work.submit {
            for unit in units {
                for id in unit.recordIDs { await state.updateNotify(id) { $0.state = .pending } }
                if unit.delay > .zero { try? await Task.sleep(for: unit.delay) }
                for id in unit.recordIDs {
                    guard !Task.isCancelled else { return }
                    await deliver(unit.notify, faults: unit.faults, recordID: id)
                }
            }
        }
        if !accepted { logger.error("notify queue full; notifies not sent") }
    }

    /// Attempts one delivery until acknowledged or the schedule is exhausted.
    func deliver(_ notify: OutboundNotify, faults: SandboxFaults.Notify, recordID: String) async {
        for attempt in 0...schedule.count {
            guard !Task.isCancelled else { return }
            let prepared: PreparedNotify
            do {
                prepared = try notify.prepare(faults)
            } catch {
                logger.error("cannot build notify", metadata: ["error": "\(error)"])
                await state.updateNotify(recordID) { $0.state = .failed }
                return
            }
            let outcome = await post(notify, prepared)
            let acknowledged = outcome.status.map { notify.isAcknowledged($0, outcome.answer) } ?? false
            let record = NotifyRecord.Attempt(
                at: Date(), statusCode: outcome.status, answer: outcome.answer, error: outcome.error,
                acknowledged: acknowledged)
            let body = String(decoding: prepared.body, as: UTF8.self)
            let headers = Dictionary(
                prepared.headers + [("Content-Type", notify.contentType)], uniquingKeysWith: { _, last in last })
            let isLast = attempt == schedule.count
            await state.updateNotify(recordID) {
                $0.attempts.append(record)
                $0.body = body
                $0.headers = headers
                $0.tampered = prepared.tampered
                $0.state = acknowledged ? .delivered : (isLast ? .failed : .pending)
            }
            if acknowledged || isLast { return }
            try? await Task.sleep(for: schedule[attempt])
        }
    }

    /// Sends the exact bytes and headers of an earlier delivery once more (a replayed notify), recorded as a new
    /// notify; returns that record.
    func replay(_ original: NotifyRecord, acknowledged: @escaping @Sendable (Int, String) -> Bool) async -> NotifyRecord {
        let contentType = original.headers["Content-Type"] ?? "application/json"
        let notify = OutboundNotify(
            channel: original.channel, event: original.event, reference: original.reference, url: original.url,
            contentType: contentType, prepare: { _ in PreparedNotify(body: [], headers: [], tampered: false) },
            isAcknowledged: acknowledged)
        let prepared = PreparedNotify(
            body: Array(original.body.utf8),
            headers: original.headers.filter { $0.key != "Content-Type" }.map { ($0.key, $0.value) },
            tampered: original.tampered)
        let outcome = await post(notify, prepared)
        let ack = outcome.status.map { acknowledged($0, outcome.answer) } ?? false
        let record = NotifyRecord(
            id: await state.nextNotifyID(), channel: original.channel, event: original.event,
            reference: original.reference, url: original.url, copy: 0, replayOf: original.id,
            state: ack ? .delivered : .failed, tampered: original.tampered, body: original.body,
            headers: original.headers,
            attempts: [
                .init(at: Date(), statusCode: outcome.status, answer: outcome.answer, error: outcome.error, acknowledged: ack)
            ])
        await state.addNotify(record)
        return record
    }

    private func post(_ notify: OutboundNotify, _ prepared: PreparedNotify) async -> (
        status: Int?, answer: String, error: String?
    ) {
        var request = HTTPClientRequest(url: notify.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: notify.contentType)
        request.headers.add(name: "User-Agent", value: "paystream-sim (simulated \(notify.channel.rawValue))")
        for (name, value) in prepared.headers where name != "Content-Type" { request.headers.add(name: name, value: value) }
        request.body = .bytes(prepared.body)
        do {
            let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
            let response = try await client.execute(request, timeout: .milliseconds(milliseconds))
            let buffer = try await response.body.collect(upTo: 64 * 1024)
            let answer = String(decoding: buffer.readableBytesView.prefix(4096), as: UTF8.self)
            return (Int(response.status.code), answer, nil)
        } catch {
            return (nil, "", "\(error)")
        }
    }
}
