import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A port for a process a test starts, that nobody listens on now and that nothing else will be given meanwhile.
///
/// Not the kernel's choice for port 0: that comes from the ephemeral range (32768–60999 here), which the kernel
/// also hands to every outgoing connection and to every other `--port 0` listener, so between this check and the
/// process's own bind another harness's API could take it; the test would then talk to that API (and its
/// database) and fail for no reason of its own ("no enabled API client"). Ports come instead from 21000–31999,
/// below the ephemeral range, each handed out once per test process (the start depends on the pid, so two test
/// processes at once start far apart), and only if nobody listens there right now.
public func freePort() throws -> Int {
    for _ in 0..<(portRange.count) {
        let candidate = nextPort.withLock { next -> Int in
            if next == 0 { next = portRange.lowerBound + Int(getpid() % 100) * (portRange.count / 100) }
            defer { next = next + 1 > portRange.upperBound ? portRange.lowerBound : next + 1 }
            return next
        }
        if try isFree(port: candidate) { return candidate }
    }
    throw FreePortError(description: "no free port in \(portRange)")
}

private let portRange = 21_000...31_999
private let nextPort = Mutex(0)

private func isFree(port: Int) throws -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FreePortError(description: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return bound == 0
}

public struct FreePortError: Error, CustomStringConvertible {
    public let description: String
}
