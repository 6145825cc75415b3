import Foundation

/// Runs PostgreSQL's own pgbench (TPC-B-like) against a scratch database on the same server, so that
/// Paystream's figures can be read as a ratio of what this PostgreSQL does on this machine.
enum PgBench {
    struct Result: Sendable {
        let tps: Double
        let clients: Int
        let transactionsPerClient: Int
        let scale: Int
    }

    /// Runs a fixed number of transactions per client (`-t`), not a duration: pgbench's `-T` relies on
    /// SIGALRM, which a child of this process inherits blocked, so a timed run would never end.
    static func run(serverURL: String, database: String, scale: Int, clients: Int, transactionsPerClient: Int) throws -> Result {
        var components = URLComponents(string: serverURL)!
        components.path = "/\(database)"
        let url = components.string!
        components.path = "/postgres"
        let maintenance = components.string!
        _ = try BenchProcess.run("psql", [maintenance, "-qc", "CREATE DATABASE \(database)"])
        defer { _ = try? BenchProcess.run("psql", [maintenance, "-qc", "DROP DATABASE IF EXISTS \(database)"]) }
        _ = try BenchProcess.run("pgbench", ["-i", "-q", "-s", "\(scale)", url])
        let output = try BenchProcess.run("pgbench", ["-c", "\(clients)", "-j", "2", "-t", "\(transactionsPerClient)", "-M", "prepared", url])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).split(separator: " ").first ?? "")
        else { throw BenchError("pgbench printed no tps line:\n\(output)") }
        return Result(tps: tps, clients: clients, transactionsPerClient: transactionsPerClient, scale: scale)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
