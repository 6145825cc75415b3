import Cryptography
import Foundation
import PaystreamCore
import PaystreamRuntime
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The event stream's connections, against the real API process: a stream whose client has gone is closed at
/// once, so clients that connect, take what was pushed and leave do not pile up as open connections.
@Suite(.serialized) struct PushConnectionFlowTests {
    @Test func aStreamIsClosedAsSoonAsItsClientLeaves() async throws {
        try await FlowHarness.run { h in
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/events/ready").status) == 200 })
            let suffix = h.prefix.suffix(6)
            let pid = h.api.pid
            let staying = "user:stay\(suffix)"
            let listener = try await PushListener(h, account: staying)
            let before = Self.openDescriptors(of: pid)

            var sockets: [Int32] = []
            for index in 0..<100 { sockets.append(try await Self.openStream(h, account: "user:leave\(index)x\(suffix)")) }
            let during = Self.openDescriptors(of: pid)
            #expect(during >= before + 100, "the API holds a descriptor per open stream: \(before) before, \(during) with 100 more")

            for socket in sockets { close(socket) }
            // A keep-alive goes out every 15 s, so only the watcher can close them this soon.
            let closed = await eventually(timeoutSeconds: 5) { Self.openDescriptors(of: pid) <= before + 10 }
            #expect(closed, "the API still holds \(Self.openDescriptors(of: pid)) descriptors, \(before) before the 100 streams")

            // The stream that stayed is untouched: tokens asked for now are pushed to it.
            let asked = try await h.post("/v1/tokens", #"{"count":1}"#, as: staying)
            #expect(asked.status == 202, "\(asked.text)")
            #expect(await listener.waitFor("token.issued"))
            listener.close()
        }
    }

    /// The keep-alives come from the API's push hub, to every open stream, at the configured interval, and the
    /// events still come on the same stream between them.
    @Test func everyOpenStreamGetsKeepAlivesAndItsEvents() async throws {
        try await FlowHarness.run { h in
            let (api2, url2) = try await Self.startAPIWithFastKeepAlives(h)
            let account = "user:keep\(h.prefix.suffix(6))"
            let first = try await Self.openStream(h, account: account, apiURL: url2)
            let second = try await Self.openStream(h, account: account + "b", apiURL: url2)
            defer {
                close(first)
                close(second)
            }
            for socket in [first, second] {
                let seen = Self.read(socket, seconds: 10) { $0.components(separatedBy: ": keep-alive\n\n").count > 2 }
                #expect(seen.components(separatedBy: ": keep-alive\n\n").count > 2, "two keep-alives within 10 s, got: \(seen)")
            }

            let asked = try await h.post("/v1/tokens", #"{"count":1}"#, as: account)
            #expect(asked.status == 202, "\(asked.text)")
            let pushed = Self.read(first, seconds: 30) { $0.contains("event: token.issued\ndata: {") }
            #expect(pushed.contains("event: token.issued\ndata: {"), "the token was not pushed between the keep-alives: \(pushed)")
            _ = await api2.terminate()
        }
    }

    /// A stream does not outlive the credentials that opened it: a merchant's stream ends at a keep-alive after its
    /// login's password is set again, with `stream.ended` naming why, and its response is ended; another merchant's
    /// stream on the same process goes on.
    @Test func aStreamEndsWhenItsSessionIsRevoked() async throws {
        try await FlowHarness.run { h in
            let (api2, url2) = try await Self.startAPIWithFastKeepAlives(h)
            let shop = "merchant:strm\(h.prefix.suffix(6))", other = "merchant:stay\(h.prefix.suffix(6))"
            let ending = try await Self.openStream(h, account: shop, apiURL: url2)
            let staying = try await Self.openStream(h, account: other, apiURL: url2)
            defer {
                close(ending)
                close(staying)
            }
            let before = Self.read(ending, seconds: 10) { $0.contains(": keep-alive\n\n") }
            #expect(before.contains(": keep-alive\n\n") && !before.contains("stream.ended"), "\(before)")

            let logins = Logins(postgres: h.database.client, hasher: try PasswordHasher(parameters: .pbkdf2SHA256(iterations: 10_000)))
            try await logins.create(login: shop, role: .merchant, account: AccountID(shop), password: ProvisionedIdentities.password + "-new")
            let ended = Self.read(ending, seconds: 60) { $0.hasSuffix("0\r\n\r\n") }
            #expect(ended.contains("event: stream.ended\ndata: {\"code\":\"auth.session_revoked\"}"), "\(ended)")
            #expect(ended.hasSuffix("0\r\n\r\n"), "the stream's response was not ended: \(ended.suffix(80))")
            let stayed = Self.read(staying, seconds: 2) { $0.components(separatedBy: ": keep-alive\n\n").count > 2 }
            #expect(!stayed.contains("stream.ended") && stayed.contains(": keep-alive\n\n"), "\(stayed)")
            _ = await api2.terminate()
        }
    }

    /// A second API process of the harness's deployment that sends keep-alives every 0.5 s, once it relays pushes.
    static func startAPIWithFastKeepAlives(_ h: FlowHarness) async throws -> (api: ManagedProcess, url: String) {
        let port = try freePort()
        let api2 = try h.startSecondAPI(["--port", "\(port)", "--push-keep-alive-seconds", "0.5"])
        let url2 = "http://127.0.0.1:\(port)"
        let ready = await eventually(timeoutSeconds: 60) { (try? await h.send(.GET, url2 + "/v1/events/ready", headers: [:]).status) == 200 }
        #expect(ready, "the second API did not relay pushes; log: \(api2.logFile.path)")
        return (api2, url2)
    }

    static func openDescriptors(of pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// What arrives on `socket` within `seconds` (or until `enough` is true of it).
    static func read(_ socket: Int32, seconds: Double, until enough: (String) -> Bool) -> String {
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(seconds)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline, !enough(String(decoding: received, as: UTF8.self)) {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count > 0 { received += buffer[0..<count] }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// `GET /v1/events` as `account` on a plain socket, read until the stream's first comment; the open socket.
    static func openStream(_ h: FlowHarness, account: String, apiURL: String? = nil) async throws -> Int32 {
        let apiURL = apiURL ?? h.apiURL
        // Signed as for the harness's API: the signature covers the path, not the host, so any API of the
        // deployment accepts it.
        let url = h.apiURL + "/v1/events"
        guard let port = URLComponents(string: apiURL)?.port, apiURL.hasPrefix("http://") else {
            throw HarnessError("a plain-HTTP API is needed, not \(apiURL)")
        }
        var request = "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in try await h.authenticated(["X-Paystream-Account": account], method: "GET", url: url, body: []) {
            request += "\(name): \(value)\r\n"
        }
        request += "\r\n"

        let socket = try RawConnection.connect(port: port, receiveTimeoutSeconds: 10)
        let bytes = Array(request.utf8)
        guard send(socket, bytes, bytes.count, 0) == bytes.count else {
            close(socket)
            throw HarnessError("send: errno \(errno)")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(": connected as") {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else {
                close(socket)
                throw HarnessError("the stream ended before its first comment: \(String(decoding: received, as: UTF8.self))")
            }
            received += buffer[0..<count]
        }
        return socket
    }
}
