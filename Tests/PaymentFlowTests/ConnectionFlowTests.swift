import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// paystream-api closes connections that hold a slot and do nothing: one that sends nothing, one whose request head
/// stalls half-way, one left open after its answer. Each is a plain TCP socket here, as such a client would be.
@Suite(.serialized) struct ConnectionFlowTests {
    @Test func idleAndStalledConnectionsAreClosed() async throws {
        try await FlowHarness.run { h in
            let port = try freePort()
            let api = try h.startSecondAPI(["--http-idle-timeout-seconds", "1", "--no-dispatch"], port: port)
            let up = await eventually(timeoutSeconds: 60) {
                (try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5)))?.status.code == 200
            }
            #expect(up, "api2 did not answer: \(api.tail())")

            let silent = try RawConnection(port: port)
            let silentClosed = silent.secondsUntilClosed(giveUpAfter: 15)
            #expect(silentClosed.map { $0 < 10 } == true, "a connection that sent nothing was kept \(silentClosed.map { "\($0) s" } ?? "open")")

            let stalled = try RawConnection(port: port)
            stalled.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let stalledClosed = stalled.secondsUntilClosed(giveUpAfter: 15)
            #expect(stalledClosed.map { $0 < 10 } == true, "a stalled request head was kept \(stalledClosed.map { "\($0) s" } ?? "open")")

            let answered = try RawConnection(port: port)
            answered.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answeredClosed = answered.secondsUntilClosed(giveUpAfter: 15)
            #expect(answered.received.hasPrefix("HTTP/1.1 200") && answered.received.hasSuffix("ok\n"), "\(answered.received)")
            #expect(answeredClosed.map { $0 < 10 } == true, "a connection idle after its answer was kept \(answeredClosed.map { "\($0) s" } ?? "open")")
            _ = await api.terminate()
        }
    }
}

/// A blocking TCP connection to 127.0.0.1.
final class RawConnection {
    private let fd: Int32
    private(set) var received = ""

    init(port: Int) throws {
        fd = try Self.connect(port: port, receiveTimeoutSeconds: 1)
    }

    /// A connected socket to 127.0.0.1:`port` whose reads give up after `receiveTimeoutSeconds`.
    static func connect(port: Int, receiveTimeoutSeconds: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw HarnessError("connect to \(port): errno \(errno)")
        }
        return fd
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads (keeping what arrives in ``received``) until the server closes the connection: the seconds that took,
    /// or nil when it was still open after `giveUpAfter` seconds.
    func secondsUntilClosed(giveUpAfter: Double) -> Double? {
        let started = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(started) < giveUpAfter {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += String(decoding: buffer[0..<n], as: UTF8.self)
            } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return Date().timeIntervalSince(started)
            }
        }
        return nil
    }
}
