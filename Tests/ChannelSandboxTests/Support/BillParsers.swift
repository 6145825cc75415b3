import Foundation

/// A small parser for the WeChat Pay ALL bill, written from the format (not from the sandbox's writer).
struct ParsedWeChatBill {
    var header: [String]
    var rows: [[String]]
    var summaryHeader: [String]
    var summary: [String]

    struct FormatError: Error, CustomStringConvertible { let description: String }

    init(_ bytes: [UInt8]) throws {
        guard bytes.starts(with: [0xEF, 0xBB, 0xBF]) else { throw FormatError(description: "no UTF-8 BOM") }
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        guard text.hasSuffix("\r\n") else { throw FormatError(description: "does not end with CRLF") }
        let lines = text.dropLast(2).components(separatedBy: "\r\n")
        guard lines.allSatisfy({ !$0.contains("\n") }) else { throw FormatError(description: "bare LF inside") }
        guard lines.count >= 3 else { throw FormatError(description: "fewer than 3 lines") }
        header = lines[0].components(separatedBy: ",")
        summaryHeader = lines[lines.count - 2].components(separatedBy: ",")
        func unquote(_ line: String) throws -> [String] {
            try line.components(separatedBy: ",").map { field in
                guard field.hasPrefix("`") else { throw FormatError(description: "field without backtick: \(field)") }
                return String(field.dropFirst())
            }
        }
        summary = try unquote(lines[lines.count - 1])
        rows = try lines[1..<(lines.count - 2)].map(unquote)
    }

    /// "12.34" or "-0.01000" as an integer number of 1e-5 yuan (exact).
    static func hundredThousandths(_ text: String) -> Int64? {
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]) else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 5 else { return nil }
        fraction += String(repeating: "0", count: 5 - fraction.count)
        guard let small = Int64(fraction) else { return nil }
        let value = whole * 100_000 + small
        return negative ? -value : value
    }

    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    func sum(_ name: String) -> Int64 {
        guard let index = column(name) else { return -1 }
        return rows.reduce(0) { $0 + (Self.hundredThousandths($1[index]) ?? 0) }
    }
}

/// A small parser for the Alipay trade-detail CSV.
struct ParsedAlipayBill {
    var headerComments: [String]
    var columns: [String]
    var rows: [[String]]
    var footer: [String]

    init(_ bytes: [UInt8]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        headerComments = Array(lines.prefix { $0.hasPrefix("#") })
        let rest = lines.dropFirst(headerComments.count)
        columns = rest.first?.components(separatedBy: ",") ?? []
        let body = rest.dropFirst()
        rows = body.prefix { !$0.hasPrefix("#") }.map {
            $0.components(separatedBy: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\t")) }
        }
        footer = Array(body.drop { !$0.hasPrefix("#") })
    }
}
