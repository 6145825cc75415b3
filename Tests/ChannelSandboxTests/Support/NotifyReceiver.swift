import Foundation
import Hummingbird

/// A tiny platform notify endpoint: records every POST and answers from a script (then a default answer).
final class NotifyReceiver: Sendable {
    struct Received: Sendable {
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    actor Inbox {
        var received: [Received] = []
        var script: [(Int, String)]
        let fallback: (Int, String)
        init(script: [(Int, String)], fallback: (Int, String)) {
            self.script = script
            self.fallback = fallback
        }
        func take(_ item: Received) -> (Int, String) {
            received.append(item)
            return script.isEmpty ? fallback : script.removeFirst()
        }
        func all() -> [Received] { received }
    }

    let inbox: Inbox
    let url: String
    private let task: Task<Void, any Error>

    private init(inbox: Inbox, url: String, task: Task<Void, any Error>) {
        self.inbox = inbox
        self.url = url
        self.task = task
    }

    /// Starts a receiver on 127.0.0.1 (free port); `script` answers come first, then `fallback`.
    static func start(script: [(Int, String)] = [], fallback: (Int, String) = (200, "")) async throws -> NotifyReceiver {
        let inbox = Inbox(script: script, fallback: fallback)
        let router = Router()
        router.post("/notify") { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let (status, answer) = await inbox.take(Received(headers: headers, body: Array(buffer.readableBytesView)))
            return Response(
                status: .init(code: status), headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            })
        let task = Task { try await app.run() }
        var port = 0
        for await value in portStream { port = value }
        return NotifyReceiver(inbox: inbox, url: "http://127.0.0.1:\(port)/notify", task: task)
    }

    /// Waits until at least `count` notifies arrived (at most `seconds`), returning all received.
    func wait(for count: Int, seconds: Double = 8) async throws -> [Received] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let all = await inbox.all()
            if all.count >= count { return all }
            try await Task.sleep(for: .milliseconds(20))
        }
        return await inbox.all()
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Runs `body` with a started receiver and stops it afterwards.
func withReceiver<T: Sendable>(
    script: [(Int, String)] = [], fallback: (Int, String) = (200, ""), _ body: (NotifyReceiver) async throws -> T
) async throws -> T {
    let receiver = try await NotifyReceiver.start(script: script, fallback: fallback)
    do {
        let result = try await body(receiver)
        await receiver.stop()
        return result
    } catch {
        await receiver.stop()
        throw error
    }
}
