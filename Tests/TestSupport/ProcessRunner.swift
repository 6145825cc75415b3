import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Paystream executable started by a test, as a real process, with its output in a log file.
public final class ManagedProcess: @unchecked Sendable {
    // Process is not Sendable; this wrapper only starts, signals and waits, each safe across threads.
    public let process = Process()
    public let logFile: URL
    public let name: String

    /// The directory of the built executables: beside the test bundle, or PAYSTREAM_BIN_DIR.
    public static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["PAYSTREAM_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("paystream-worker").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// `standardInput`, when given, is what the process reads on its standard input (then end of file); otherwise it
    /// reads nothing.
    public init(
        executable: String, arguments: [String], environment: [String: String] = [:], name: String? = nil, standardInput: String? = nil
    ) throws {
        self.name = name ?? executable
        process.executableURL = Self.binDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // A crash ends the process at once with its message in the log: Swift's backtracer was seen hanging for
        // minutes on a crashed process (blocked reading from it), which stalled the test waiting on that process.
        env["SWIFT_BACKTRACE"] = "enable=no"
        env.merge(environment) { _, new in new }
        process.environment = env
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(TestEnvironment.uniqueName(self.name)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        if let standardInput {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(standardInput.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    /// A test that fails before stopping its process must not leave it running.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Sends SIGTERM and waits (up to `timeoutSeconds`, then SIGKILL); returns the exit status.
    @discardableResult
    public func terminate(timeoutSeconds: Double = 20) async -> Int32 {
        signal(SIGTERM)
        return await waitForExit(timeoutSeconds: timeoutSeconds)
    }

    public func kill9() async {
        signal(SIGKILL)
        _ = await waitForExit(timeoutSeconds: 10)
    }

    @discardableResult
    public func waitForExit(timeoutSeconds: Double) async -> Int32 {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(nanoseconds: 20_000_000) }
        }
        return process.terminationStatus
    }

    /// Everything the process has written so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The last `lines` lines of the process's output, for failure messages.
    public func tail(_ lines: Int = 40) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Polls `condition` until it is true or `timeoutSeconds` pass; returns whether it became true.
public func eventually(timeoutSeconds: Double = 60, every milliseconds: UInt64 = 100, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: milliseconds * 1_000_000)
    }
    return try await condition()
}
