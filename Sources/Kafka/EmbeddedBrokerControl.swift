#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Synchronization

/// A loopback-only control channel of the embedded broker, so that tests and the demo running in other
/// processes can create topics and inject faults (the mock cluster's API exists only in-process).
///
/// Protocol: one command per line, one answer line per command, `OK[ detail]` or `ERR reason`.
///   PING | BOOTSTRAP | CREATE <topic> <partitions> <replication> | DOWN <broker> | UP <broker>
///   RTT <broker> <ms> | ERRORS <apiKey> <code>[,<code>...] | CLEAR <apiKey>
/// It binds 127.0.0.1 only: it is a test instrument, never exposed.
public final class EmbeddedBrokerControlServer: Sendable {
    private let broker: EmbeddedBroker
    private let listenFD: Int32
    public let port: Int
    private let logger: Logger

    public init(broker: EmbeddedBroker, port: Int = 0, logger: Logger) throws {
        self.broker = broker
        self.logger = logger
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw KafkaError(kind: .embeddedBroker, message: "control socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withLoopbackAddress(port: port) { bind(fd, $0, $1) }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw KafkaError(kind: .embeddedBroker, message: "control port 127.0.0.1:\(port) unavailable (errno \(errno))")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listenFD = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
    }

    /// Serves connections on a thread of its own until the process ends or ``stop()`` closes the socket.
    public func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "paystream.broker.control"
        thread.start()
    }

    public func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { return }
            pending.append(contentsOf: buffer[0..<n])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                let answer = Array((execute(line) + "\n").utf8)
                _ = answer.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            }
        }
    }

    /// Runs one command; never throws (errors become `ERR` answers).
    func execute(_ line: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first?.uppercased() else { return "ERR empty command" }
        do {
            switch (verb, words.count) {
            case ("PING", 1): return "OK"
            case ("BOOTSTRAP", 1): return "OK \(broker.bootstrapServers)"
            case ("CREATE", 4):
                guard let partitions = Int(words[2]), let rf = Int(words[3]), partitions > 0, rf > 0 else {
                    return "ERR usage: CREATE <topic> <partitions> <replication>"
                }
                try broker.createTopic(name: words[1], partitions: partitions, replicationFactor: rf)
            case ("DOWN", 2), ("UP", 2):
                guard let id = Int32(words[1]) else { return "ERR broker id must be a number" }
                try verb == "DOWN" ? broker.setBrokerDown(id) : broker.setBrokerUp(id)
            case ("RTT", 3):
                guard let id = Int32(words[1]), let ms = Int(words[2]) else { return "ERR usage: RTT <broker> <ms>" }
                try broker.setBrokerRoundTripTime(id, milliseconds: ms)
            case ("ERRORS", 3):
                let codes = words[2].split(separator: ",").compactMap { Int32($0) }
                guard let apiKey = Int16(words[1]), !codes.isEmpty else {
                    return "ERR usage: ERRORS <apiKey> <code>[,<code>...]"
                }
                broker.pushRequestErrors(apiKey: apiKey, errorCodes: codes)
            case ("CLEAR", 2):
                guard let apiKey = Int16(words[1]) else { return "ERR usage: CLEAR <apiKey>" }
                broker.clearRequestErrors(apiKey: apiKey)
            default:
                return "ERR unknown command \(line)"
            }
            logger.info("control: \(line)")
            return "OK"
        } catch {
            return "ERR \(error)"
        }
    }
}

/// The client side of ``EmbeddedBrokerControlServer``: one connection, one command at a time.
public enum EmbeddedBrokerControl {
    /// Sends one command to the control port on 127.0.0.1 and returns the answer's detail; throws on `ERR`
    /// or when the broker does not answer within `timeoutMilliseconds`.
    @discardableResult
    public static func send(_ command: String, port: Int, timeoutMilliseconds: Int = 5_000) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw KafkaError(kind: .embeddedBroker, message: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withLoopbackAddress(port: port) { connect(fd, $0, $1) }
        guard connected == 0 else {
            throw KafkaError(kind: .connection, message: "embedded broker control port 127.0.0.1:\(port) refused (errno \(errno))")
        }
        let request = Array((command + "\n").utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { break }
            answer.append(byte)
        }
        let text = String(decoding: answer, as: UTF8.self)
        if text == "OK" { return "" }
        if text.hasPrefix("OK ") { return String(text.dropFirst(3)) }
        throw KafkaError(kind: .embeddedBroker, message: text.isEmpty ? "no answer to \(command)" : text)
    }
}

/// Calls `body` with 127.0.0.1:`port` as a `sockaddr` (for bind and connect).
private func withLoopbackAddress(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
