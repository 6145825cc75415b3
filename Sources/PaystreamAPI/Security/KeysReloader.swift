import Foundation
import Logging
import PaystreamRuntime
import ServiceLifecycle

/// Takes the keys file again when it is replaced, so that a process need not be restarted after `paystream keys
/// rotate`: until it takes the new file, it cannot open what the rotation re-sealed under the new version (its clients
/// answered 500, its payouts waited).
///
/// Every `interval` it reads the file (a few hundred bytes) and, when the text changed, parses it and puts it in force
/// through ``APISecurity/replaceKeys(_:)``, which takes only a successor of the keys in force (every data key kept, the
/// same blind-index key). A file that does not read, does not parse or is not a successor is logged as an error and
/// the keys in force stay; it is looked at again when its text changes. Reading the text, not the modification time,
/// also follows a Kubernetes Secret volume, which swaps a symbolic link.
struct KeysReloader: Service {
    let path: String
    let security: APISecurity
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async throws {
        // Not seeded with the file's text now: the keys in force were read earlier, and the file may have been
        // replaced since. The first look compares the keys themselves (the same keys change nothing).
        var seen: String?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                if seen != "" { logger.error("keys file unreadable; the keys in force stay", metadata: ["path": "\(path)", "error": "\(error)"]) }
                seen = ""
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                continue
            }
            if text != seen {
                seen = text
                reload(text)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Parses `text` and puts it in force if it is a successor; logs what happened.
    func reload(_ text: String) {
        do {
            let keys = try SecurityKeys(json: text)
            if try security.replaceKeys(keys) {
                logger.notice("keys file replaced; new keys in force", metadata: ["path": "\(path)", "keys": "\(keys.fields)"])
            }
        } catch {
            logger.error("keys file replaced by keys that are not taken; the keys in force stay", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
