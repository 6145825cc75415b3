import EventBus
import Foundation
import Kafka

/// How the dead-letter tool shows letters to people (tables, details) and to machines (JSON lines).
/// Bytes are never shown in a way that could be mistaken for other bytes: text is escaped, non-UTF-8 is hex,
/// and JSON payloads are re-indented token by token, so numbers (amounts) appear exactly as stored.
enum DeadLetterRendering {
    static let tableHeader = ["DLQ", "ORIGINAL", "CODE", "ATTEMPTS", "FIRST FAILURE", "KEY", "STATUS", "ERROR"]

    /// A table with a header line and one line per entry, columns sized to their content.
    static func table(_ entries: [DeadLetterEntry]) -> [String] {
        let rows = entries.map { entry -> [String] in
            let letter = entry.letter
            // Every cell is one line: whatever the message carries is escaped.
            return [
                entry.address.description,
                letter.map { escaped("\($0.originalTopic)/\($0.originalPartition)/\($0.originalOffset)") } ?? "?",
                letter.map { escaped($0.errorCode) } ?? "(not a dead letter)",
                letter.map { "\($0.attempts)" } ?? "",
                escaped(letter?.firstFailureAt ?? ""),
                truncated(entry.message.key.map(displayKey) ?? "(null)", 40),
                entry.status.rawValue,
                truncated(escaped(letter?.error ?? ""), 80),
            ]
        }
        let all = [tableHeader] + rows
        let widths = tableHeader.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }
    }

    /// One line of `list --json`.
    struct ListLine: Codable, Equatable {
        struct Action: Codable, Equatable {
            var action: String
            var reason: String
            var actor: String
            var at: String
        }
        var dlqTopic: String
        var dlqPartition: Int32
        var dlqOffset: Int64
        var originalTopic: String?
        var originalPartition: Int32?
        var originalOffset: Int64?
        var errorCode: String?
        var error: String?
        var attempts: Int?
        var firstFailureAt: String?
        /// The dead letter this one's message was replayed from, when it was a replay refused again.
        var replayOf: String?
        /// The key as text when it is UTF-8; otherwise nil and ``keyHex`` is set.
        var key: String?
        var keyHex: String?
        var status: String
        var actions: [Action]
    }

    static func jsonLine(_ entry: DeadLetterEntry) -> String {
        let letter = entry.letter
        let keyText = entry.message.key.flatMap { String(validating: $0, as: UTF8.self) }
        let line = ListLine(
            dlqTopic: entry.address.topic, dlqPartition: entry.address.partition, dlqOffset: entry.address.offset,
            originalTopic: letter?.originalTopic, originalPartition: letter?.originalPartition,
            originalOffset: letter?.originalOffset, errorCode: letter?.errorCode, error: letter?.error,
            attempts: letter?.attempts, firstFailureAt: letter?.firstFailureAt, replayOf: letter?.replayOf,
            key: keyText, keyHex: keyText == nil ? entry.message.key.map(hex) : nil,
            status: entry.status.rawValue,
            actions: entry.actions.map {
                ListLine.Action(action: $0.kind.rawValue, reason: $0.reason, actor: $0.actor, at: DeadLetterTime.format($0.createdAt))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        return String(decoding: (try? encoder.encode(line)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Every detail of one letter: where it came from, why it failed, its headers, payload and actions.
    static func details(_ entry: DeadLetterEntry) -> [String] {
        var lines: [String] = []
        func field(_ name: String, _ value: String) { lines.append(name.padding(toLength: 15, withPad: " ", startingAt: 0) + value) }
        let message = entry.message
        field("dead letter", entry.address.description)
        field("status", entry.status.rawValue)
        if let letter = entry.letter {
            field("original", "\(letter.originalTopic)/\(letter.originalPartition)/\(letter.originalOffset)")
            field("error code", letter.errorCode)
            field("error", escaped(letter.error))
            field("attempts", "\(letter.attempts)")
            field("first failure", letter.firstFailureAt)
            if let replayOf = letter.replayOf { field("replay of", replayOf + " (the letter before: paystream-dlq show it)") }
        } else {
            field("original", "? (not a dead letter: the paystream-original-* headers are missing)")
        }
        field("key", message.key.map(displayKey) ?? "(null)")
        field("timestamp", message.timestampMilliseconds.map {
            DeadLetterTime.format(Date(timeIntervalSince1970: Double($0) / 1000))
        } ?? "(unknown)")
        lines.append("headers (\(message.headers.count)):")
        for header in message.headers {
            lines.append("  \(header.name): " + (header.value.map(displayValue) ?? "(null)"))
        }
        lines.append(contentsOf: payload(message.value))
        lines.append("actions (\(entry.actions.count)):")
        for action in entry.actions {
            lines.append("  \(DeadLetterTime.format(action.createdAt)) \(action.kind.rawValue) by \(action.actor): \(escaped(action.reason))")
        }
        return lines
    }

    /// The payload: re-indented JSON, escaped text, or a hex dump.
    static func payload(_ bytes: [UInt8]) -> [String] {
        if let pretty = prettyJSON(bytes) {
            return ["payload (\(bytes.count) bytes, JSON):"] + pretty.split(separator: "\n").map { "  " + $0 }
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            return ["payload (\(bytes.count) bytes, text):", "  " + escaped(text)]
        }
        var lines = ["payload (\(bytes.count) bytes, binary):"]
        for start in stride(from: 0, to: bytes.count, by: 16) {
            let chunk = bytes[start..<min(start + 16, bytes.count)]
            let offset = String(start, radix: 16)
            lines.append("  " + String(repeating: "0", count: max(0, 8 - offset.count)) + offset + "  " + chunk.map(hexByte).joined(separator: " "))
        }
        return lines
    }

    /// One line for `replay --dry-run`.
    static func dryRunLine(_ plan: DeadLetterService.ReplayPlan) -> String {
        let message = plan.message
        let preview = message.value.prefix(48)
        let previewText = String(validating: Array(preview), as: UTF8.self).map { "\"\(escaped($0))\"" } ?? "hex " + hex(Array(preview))
        return "would replay \(plan.address) -> \(message.topic) partition \(plan.partition)"
            + (message.key == nil ? " (null key: original partition)" : "")
            + " key \(message.key.map(displayKey) ?? "(null)") value \(message.value.count) bytes: \(previewText)"
            + (message.value.count > preview.count ? "…" : "")
            + " headers: \(message.headers.map(\.name).joined(separator: ", "))"
    }

    // MARK: bytes and text

    /// A key as text when it is printable UTF-8, else `hex:...`.
    static func displayKey(_ key: [UInt8]) -> String { displayValue(key) }

    static func displayValue(_ bytes: [UInt8]) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { return "hex:" + hex(bytes) }
        return escaped(text)
    }

    /// Control characters, backslashes and non-printing characters escaped, so that a line shows what is there.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value)
                    || scalar.properties.generalCategory == .format
                {
                    result += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map(hexByte).joined() }

    static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// The JSON document re-indented by two spaces, every token (numbers, strings) copied verbatim;
    /// nil if `bytes` is not one valid JSON value.
    static func prettyJSON(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty,
            (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil,
            let text = String(validating: bytes, as: UTF8.self)
        else { return nil }
        var out = ""
        var depth = 0
        var inString = false
        var escaping = false
        let scalars = Array(text.unicodeScalars)
        func newline() { out += "\n" + String(repeating: "  ", count: depth) }
        var index = 0
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if inString {
                out.unicodeScalars.append(c)
                if escaping { escaping = false } else if c == "\\" { escaping = true } else if c == "\"" { inString = false }
                continue
            }
            switch c {
            case " ", "\n", "\r", "\t":
                continue
            case "\"":
                inString = true
                out += "\""
            case "{", "[":
                out.unicodeScalars.append(c)
                var next = index
                while next < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[next]) { next += 1 }
                if next < scalars.count, scalars[next] == "}" || scalars[next] == "]" {
                    out.unicodeScalars.append(scalars[next])
                    index = next + 1
                } else {
                    depth += 1
                    newline()
                }
            case "}", "]":
                depth -= 1
                newline()
                out.unicodeScalars.append(c)
            case ",":
                out += ","
                newline()
            case ":":
                out += ": "
            default:
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
