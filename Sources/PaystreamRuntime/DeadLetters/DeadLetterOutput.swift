import Foundation
import Synchronization

/// Where the dead-letter tool writes: results to ``write(_:)``, diagnostics to ``warn(_:)``. The command line
/// uses ``DeadLetterStandardOutput``; tests and embedding code capture with ``DeadLetterCapturedOutput``.
public protocol DeadLetterOutput: Sendable {
    /// One line of results (standard output).
    func write(_ line: String)
    /// One line of warnings and errors (standard error).
    func warn(_ line: String)
}

/// Standard output and standard error, a whole line at a time.
public struct DeadLetterStandardOutput: DeadLetterOutput {
    public init() {}

    public func write(_ line: String) {
        print(line)
    }

    public func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Keeps every line in memory, in order, safe to use from any task.
public final class DeadLetterCapturedOutput: DeadLetterOutput {
    private let storage = Mutex<(lines: [String], warnings: [String])>(([], []))

    public init() {}

    public func write(_ line: String) {
        storage.withLock { $0.lines.append(contentsOf: line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)) }
    }

    public func warn(_ line: String) {
        storage.withLock { $0.warnings.append(contentsOf: line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)) }
    }

    /// Result lines written so far.
    public var lines: [String] { storage.withLock { $0.lines } }
    /// Warning and error lines written so far.
    public var warnings: [String] { storage.withLock { $0.warnings } }
    /// The result lines joined with newlines.
    public var text: String { lines.joined(separator: "\n") }
}
