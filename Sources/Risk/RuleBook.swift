import Foundation
import Logging
import Synchronization

/// The current risk rules, loaded from a YAML file and reloaded when the file changes.
///
/// Guarantees:
/// - `current` always returns a complete, validated ``RuleSet``; a reload swaps the whole set atomically,
///   so a reader sees either the old rules or the new ones, never a mix.
/// - A file that cannot be read or parsed keeps the previous rules; the error is logged once per version of
///   the file and returned by ``reloadIfChanged()``.
/// - A change is noticed by the file's modification time, size and inode (an atomic rename counts); while
///   the file was modified in the last few seconds its bytes are compared too, so two quick writes within one
///   timestamp tick are not missed. Write the file atomically (temporary file + rename) so that a half-written
///   file is never read.
/// - ``run(pollInterval:)`` polls until its task is cancelled; nothing runs in `init`.
public final class RuleBook: Sendable {
    /// The result of one reload attempt.
    public enum ReloadResult: Sendable, Equatable {
        /// The file has not changed since the last load (or attempt).
        case unchanged
        /// New rules are in force.
        case reloaded(ruleCount: Int)
        /// The file changed but could not be used; the previous rules stay.
        case failed(String)
    }

    /// The rules file, or nil for a fixed book.
    public let path: String?
    private let logger: Logger
    private let rules: Mutex<RuleSet>
    /// Held for the whole of a reload (file I/O included) so two reloads never race; readers use `rules`.
    private let reloadState: Mutex<FileState>

    private struct FileState: Sendable {
        var fingerprint: FileFingerprint?
        var bytes: Data?
    }

    /// Loads the rules file now.
    /// - Throws: `RiskError.invalidRules` (or the file error) if the first load fails: a service must not
    ///   start without its rules.
    public init(contentsOf path: String, logger: Logger = Logger(label: "paystream.risk.rules")) throws {
        self.path = path
        self.logger = logger
        let fingerprint = FileFingerprint(path: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let ruleSet = try RuleBook.parse(bytes)
        self.rules = Mutex(ruleSet)
        self.reloadState = Mutex(FileState(fingerprint: fingerprint, bytes: bytes))
        logger.info("risk rules loaded", metadata: ["path": "\(path)", "rules": "\(ruleSet.rules.count)"])
    }

    /// A book that always holds `rules` (for tests and for callers that build rules in code).
    public init(fixed rules: RuleSet, logger: Logger = Logger(label: "paystream.risk.rules")) {
        self.path = nil
        self.logger = logger
        self.rules = Mutex(rules)
        self.reloadState = Mutex(FileState())
    }

    /// The rules in force now.
    public var current: RuleSet { rules.withLock { $0 } }

    /// Reloads the file if it changed since the last attempt.
    @discardableResult
    public func reloadIfChanged() -> ReloadResult {
        guard let path else { return .unchanged }
        return reloadState.withLock { state in
            let fingerprint = FileFingerprint(path: path)
            let settled = fingerprint.map { Date().timeIntervalSince($0.modified) > 5 } ?? true
            if fingerprint == state.fingerprint && settled { return .unchanged }
            state.fingerprint = fingerprint
            let bytes: Data
            do {
                bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                return fail("cannot read \(path): \(error)")
            }
            if bytes == state.bytes { return .unchanged }
            state.bytes = bytes
            do {
                let ruleSet = try RuleBook.parse(bytes)
                rules.withLock { $0 = ruleSet }
                logger.notice("risk rules reloaded", metadata: ["path": "\(path)", "rules": "\(ruleSet.rules.count)"])
                return .reloaded(ruleCount: ruleSet.rules.count)
            } catch {
                return fail("\(path): \(error)")
            }
        }
    }

    /// Polls the file every `pollInterval` and reloads it when it changed, until the task is cancelled.
    public func run(pollInterval: Duration = .seconds(2)) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
            reloadIfChanged()
        }
    }

    /// Called at most once per version of the file: the fingerprint (or bytes) that failed is remembered.
    private func fail(_ message: String) -> ReloadResult {
        logger.error("risk rules not reloaded; keeping the previous rules", metadata: ["error": "\(message)"])
        return .failed(message)
    }

    private static func parse(_ bytes: Data) throws -> RuleSet {
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw RiskError(code: .invalidRules, message: "the rules file is not UTF-8")
        }
        return try RuleSet.parse(yaml: text)
    }
}

/// What identifies one version of a file without reading it.
struct FileFingerprint: Sendable, Equatable {
    var modified: Date
    var size: UInt64
    var inode: UInt64

    /// nil when the file cannot be examined (missing, no permission).
    init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let modified = attributes[.modificationDate] as? Date
        else { return nil }
        self.modified = modified
        self.size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        self.inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
    }
}
