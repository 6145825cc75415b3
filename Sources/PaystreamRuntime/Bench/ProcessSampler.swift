import Foundation

/// CPU and memory of the processes on this machine, grouped by program name, read from Linux's /proc.
///
/// A process's program is the base name of its first command-line word up to a space or colon, so PostgreSQL's
/// backends ("postgres: paystream paystream 127.0.0.1(…) idle") count as `postgres` and
/// `/…/.build/release/paystream-api` as `paystream-api`. Only the programs asked for are read.
///
/// CPU between two samples is the ticks (`utime + stime` of /proc/PID/stat) that processes present in both spent,
/// in cores (1.0 = one core busy all the time); a process that starts or ends between samples is not counted for
/// that interval. Memory is the sum of the processes' proportional set sizes (see ``residentBytes(pid:)``).
struct ProcessSampler: Sendable {
    struct Reading: Sendable {
        /// Program → pid → CPU ticks so far.
        var ticks: [String: [Int32: UInt64]] = [:]
        /// Program → summed resident memory in bytes.
        var residentBytes: [String: UInt64] = [:]
        let at: Double
    }

    struct Usage: Sendable {
        let cores: Double
        let residentBytes: UInt64
        let processes: Int
    }

    let programs: Set<String>
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    func read(now: Double = Date().timeIntervalSince1970) -> Reading {
        var reading = Reading(at: now)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return reading }
        for entry in entries {
            guard let pid = Int32(entry), let program = Self.program(pid: pid), programs.contains(program),
                let ticks = Self.cpuTicks(pid: pid)
            else { continue }
            reading.ticks[program, default: [:]][pid] = ticks
            reading.residentBytes[program, default: 0] += Self.residentBytes(pid: pid) ?? 0
        }
        return reading
    }

    /// Usage per program between two readings (memory as of the later one).
    func usage(from earlier: Reading, to later: Reading) -> [String: Usage] {
        let seconds = max(later.at - earlier.at, 0.001)
        var result: [String: Usage] = [:]
        for (program, pids) in later.ticks {
            var spent: UInt64 = 0
            for (pid, ticks) in pids {
                if let before = earlier.ticks[program]?[pid], ticks >= before { spent += ticks - before }
            }
            result[program] = Usage(
                cores: Double(spent) / ticksPerSecond / seconds, residentBytes: later.residentBytes[program] ?? 0, processes: pids.count)
        }
        return result
    }

    // MARK: /proc

    static func program(pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        let first = data.split(separator: 0, maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let word = first.split(whereSeparator: { $0 == " " || $0 == ":" }).first.map(String.init) ?? ""
        return word.split(separator: "/").last.map(String.init)
    }

    /// utime + stime: fields 14 and 15 of /proc/PID/stat, counted after the command name's closing parenthesis
    /// (the name itself may hold spaces and parentheses).
    static func cpuTicks(pid: Int32) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        return cpuTicks(stat: String(decoding: data, as: UTF8.self))
    }

    static func cpuTicks(stat text: String) -> UInt64? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// The process's proportional set size (Pss of /proc/PID/smaps_rollup: each shared page divided among the
    /// processes that map it, so PostgreSQL's shared buffers count once over all its backends, not once per
    /// backend), or its resident set (VmRSS of /proc/PID/status) where smaps_rollup cannot be read.
    static func residentBytes(pid: Int32) -> UInt64? {
        if let data = FileManager.default.contents(atPath: "/proc/\(pid)/smaps_rollup"), let pss = kilobytes(of: "Pss:", in: data) {
            return pss * 1024
        }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") else { return nil }
        return kilobytes(of: "VmRSS:", in: data).map { $0 * 1024 }
    }

    /// The figure of the line starting with `field` in a /proc file of "Name:   1234 kB" lines.
    static func kilobytes(of field: String, in data: Data) -> UInt64? {
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(field) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            return parts.count >= 2 ? UInt64(parts[1]) : nil
        }
        return nil
    }
}

/// The least-squares slope of y over x: a trend per unit of x (NaN with fewer than two distinct x).
func leastSquaresSlope(_ points: [(x: Double, y: Double)]) -> Double {
    guard points.count >= 2 else { return .nan }
    let n = Double(points.count)
    let meanX = points.map(\.x).reduce(0, +) / n, meanY = points.map(\.y).reduce(0, +) / n
    var numerator = 0.0, denominator = 0.0
    for p in points {
        numerator += (p.x - meanX) * (p.y - meanY)
        denominator += (p.x - meanX) * (p.x - meanX)
    }
    return denominator == 0 ? .nan : numerator / denominator
}
