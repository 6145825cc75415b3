import AsyncHTTPClient
import BlockingIO
import Foundation
import PaystreamCore
import Redis

/// What this machine's own services do without Paystream around them, measured in the same run so that the
/// benchmark's figures can be printed as ratios of them:
/// - PostgreSQL: pgbench's TPC-B-like workload on a scratch database of the same server;
/// - Redis: redis-benchmark calling the envelope grab script itself (`EVALSHA`, one share popped and recorded per
///   call, a new grabber each call) on a scratch envelope of the same server;
/// - HTTP: the API's `/healthz` (no work behind it, the same server, middleware and client as the real requests),
///   as many as the client's connections carry for a few seconds (closed loop: its maximum).
enum MachineBaselines {
    struct Figures: Sendable {
        var pgbenchTPS: Double?
        var redisGrabScriptPerSecond: Double?
        var emptyEndpointPerSecond: Double?
        var notes: [String] = []
    }

    static func measure(postgresURL: String, redisURL: String, client: HTTPClient, api: String, connections: Int, run: String) async -> Figures {
        var figures = Figures()
        let blocking = BlockingExecutor(label: "paystream.bench.baselines")
        print("machine baselines: pgbench TPC-B-like (8 clients x 1,000 transactions, scale 10)…")
        do {
            figures.pgbenchTPS = try await blocking.run {
                try PgBench.run(serverURL: postgresURL, database: "bench_mixed_\(run)_pgbench", scale: 10, clients: 8, transactionsPerClient: 1_000).tps
            }
        } catch { figures.notes.append("pgbench: \(error)") }
        print("machine baselines: redis-benchmark of the grab script (200,000 calls, 50 connections)…")
        do { figures.redisGrabScriptPerSecond = try await redisGrabScript(redisURL: redisURL, run: run, calls: 200_000, blocking: blocking) }
        catch { figures.notes.append("redis-benchmark: \(error)") }
        print("machine baselines: GET /healthz, closed loop over \(connections) connections for 5 s…")
        do { figures.emptyEndpointPerSecond = try await emptyEndpoint(client: client, url: api + "/healthz", connections: connections, seconds: 5) }
        catch { figures.notes.append("empty endpoint: \(error)") }
        return figures
    }

    /// Loads a scratch envelope of `calls` shares with the API's own load script, then has redis-benchmark call the
    /// API's own grab script on it, each call as a new random grabber; the keys are deleted afterwards. The envelope
    /// has no audience (no receiver, no group), so the script's membership check is not measured: one SISMEMBER.
    static func redisGrabScript(redisURL: String, run: String, calls: Int, blocking: BlockingExecutor) async throws -> Double {
        let configuration = try RedisConfiguration(url: redisURL)
        let redis = RedisClient(configuration: configuration)
        let base = "bench:baseline:\(run):env:{baseline}"
        let keys = [base, base + ":shares", base + ":grabbed", base + ":pending"]
        do {
            let farFuture = Int64(Date().addingTimeInterval(86_400).timeIntervalSince1970 * 1000)
            _ = try await redis.evaluate(
                RedisScript(EnvelopeScripts.load), keys: keys, arguments: ["user:baseline", String(farFuture), String(farFuture + 86_400_000), "", ""])
            for start in stride(from: 0, to: calls, by: 10_000) {
                _ = try await redis.send(["RPUSH", keys[1]] + Array(repeating: "1", count: min(10_000, calls - start)))
            }
            let grab = RedisScript(EnvelopeScripts.grab)
            _ = try await redis.send(["SCRIPT", "LOAD", grab.source])
            var arguments = ["-h", configuration.host, "-p", String(configuration.port), "--dbnum", String(configuration.database)]
            if let password = configuration.password { arguments += ["-a", password] }
            arguments += [
                "-n", String(calls), "-c", "50", "-r", "1000000000", "-q",
                "EVALSHA", grab.sha1, "5"] + keys + [base + ":nogroup", "user:bench-__rand_int__", "grab-__rand_int__", String(Int64(Date().timeIntervalSince1970 * 1000)), ""]
            let command = arguments
            let output = try await blocking.run { try BenchProcess.run("redis-benchmark", command) }
            // "EVALSHA …: 84033.61 requests per second, p50=0.311 msec"; with -q, progress lines end in \r.
            let lines = output.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            guard let line = lines.last(where: { $0.contains("requests per second") }),
                let figure = line.components(separatedBy: ": ").last?.split(separator: " ").first.flatMap({ Double($0) })
            else { throw BenchError("redis-benchmark printed no rate:\n\(output)") }
            let left = try await redis.send(["LLEN", keys[1]]).int64 ?? -1
            _ = try await redis.send(["DEL"] + keys)
            await redis.shutdown()
            guard left >= 0, left < Int64(calls) else { throw BenchError("the grab script popped no share (\(left) of \(calls) left)") }
            return figure
        } catch {
            _ = try? await redis.send(["DEL"] + keys)
            await redis.shutdown()
            throw error
        }
    }

    /// Requests per second of `url` with `connections` requests always in flight for `seconds`.
    static func emptyEndpoint(client: HTTPClient, url: String, connections: Int, seconds: Double) async throws -> Double {
        let start = Date()
        let end = start.addingTimeInterval(seconds)
        // Each loop counts its own answers and failures; the group sums them.
        let (answered, failed) = await withTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var answered = 0, failed = 0
                    while Date() < end {
                        var request = HTTPClientRequest(url: url)
                        request.method = .GET
                        if let response = try? await client.execute(request, timeout: .seconds(10)),
                            (try? await response.body.collect(upTo: 1 << 16)) != nil, response.status == .ok
                        {
                            answered += 1
                        } else {
                            failed += 1
                        }
                    }
                    return (answered, failed)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        let elapsed = Date().timeIntervalSince(start)
        if failed > 0 { throw BenchError("\(failed) requests to \(url) failed") }
        return Double(answered) / elapsed
    }
}
