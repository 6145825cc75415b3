import ArgumentParser
import Cryptography
import Foundation
import Logging
import PaystreamCore
import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// `paystream keys`: make and rotate the platform's secret keys (see ``SecurityKeys``).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Make and rotate the secret keys (field encryption, sessions).",
        subcommands: [Generate.self, Rotate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new keys file (JSON) to standard output; keep it out of the repository.")
        func run() async throws { print(try SecurityKeys.generate().jsonRepresentation(), terminator: "") }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new current field key to the keys file and re-seal every stored secret under it.",
            discussion: """
                Writes the keys file with the new version first (old versions stay, so every process can still open \
                what it reads), then re-seals each sealed column row by row, each value for its row. Run it again \
                with --again after an interruption or a failure (no new version is added then): values already under the current version and bound to their row are \
                skipped. Values that do not open for their row are left as they are and listed, and the command \
                fails; a withdrawal already paid out or invalid (never paid again) whose destination does not open \
                is listed and left without failing it. paystream-api processes that read the keys from a file take \
                the new one within --keys-reload-seconds; restart the others afterwards so that they seal with the new version (until \
                then, they cannot open what was re-sealed). Once every value is re-sealed for its row, the keyring \
                is marked as binding rows under every version: from then on no value sealed for its field alone \
                opens. Run it only once every process runs a version that binds rows. The keys file is written \
                with mode 0600.
                """)
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The keys file to rotate (also PAYSTREAM_KEYS_FILE).") var keysFile: String?
        @Flag(help: "Add no key: re-seal under the current version, to run the command again after a rotation that failed or was interrupted (each run otherwise adds a version).")
        var again = false

        func run() async throws {
            guard let path = keysFile ?? ProcessInfo.processInfo.environment["PAYSTREAM_KEYS_FILE"] else {
                throw ValidationError("give --keys-file or PAYSTREAM_KEYS_FILE")
            }
            let old = try SecurityKeys.require(path: path)
            let rotated = again ? old : try SecurityKeys(fields: old.fields.addingGeneratedKey(), sessionKey: old.sessionKey)
            if !again { try Self.write(rotated, to: path) }
            let configuration = try runtime.resolve()
            let postgres = PostgresClient(configuration: try PostgresConfiguration(url: configuration.postgresURL), logger: Logger(label: "paystream.keys"))
            // Keys older than row binding: destinations written before they were sealed get sealed, and routed.
            let report: SealedColumns.ResealReport
            do {
                report = try await SealedColumns.reseal(
                    postgres: postgres, cipher: rotated.cipher, backfillDestinations: old.fields.rowsBoundFrom == nil)
            } catch {
                await postgres.shutdown()
                throw error
            }
            await postgres.shutdown()
            print("keys rotate: current version \(rotated.fields.currentVersion); re-sealed \(report.resealed) value(s)")
            for left in report.leftAsTheyAre { print("  left as it is: \(left)") }
            guard report.failures.isEmpty else {
                for failure in report.failures { print("  not re-sealed: \(failure)") }
                print("keys rotate: \(report.failures.count) value(s) not re-sealed; the keys file keeps every version; look at them, then run it again with --again")
                throw ExitCode.failure
            }
            // Every stored value is sealed for its row now: no version needs to open values sealed for a field alone.
            let bound = try SecurityKeys(fields: rotated.fields.bindingRowsUnderEveryVersion(), sessionKey: rotated.sessionKey)
            if bound.fields.rowsBoundFrom != rotated.fields.rowsBoundFrom {
                try Self.write(bound, to: path)
                print("keys rotate: rows bound under every key version from now on")
            }
        }

        /// Replaces the keys file in one step, readable by its owner only (0600), whatever the umask and the old
        /// file's mode.
        static func write(_ keys: SecurityKeys, to path: String) throws {
            let temporary = path + ".rotating-\(getpid())"
            guard FileManager.default.createFile(
                atPath: temporary, contents: Data(try keys.jsonRepresentation().utf8), attributes: [.posixPermissions: 0o600])
            else { throw ValidationError("cannot write \(temporary)") }
            guard chmod(temporary, 0o600) == 0, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw ValidationError("cannot replace \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// `paystream clients`: API clients (an app id and secret bound to an account).
struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients", abstract: "API clients: app ids and secrets that sign requests.", subcommands: [Create.self, Disable.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a client for an account; prints `<app id> <Base64 secret>` once — the secret is not shown again.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The keys file (also PAYSTREAM_KEYS_FILE / PAYSTREAM_KEYS).") var keysFile: String?
        @Option(help: "The account it acts for: user:<id> or merchant:<id>.") var account: String

        func run() async throws {
            guard let account = AccountID(account), account.kind == .user || account.kind == .merchant else {
                throw ValidationError("--account must be user:<id> or merchant:<id>")
            }
            let keys = try SecurityKeys.require(path: keysFile)
            let configuration = try runtime.resolve()
            let postgres = PostgresClient(configuration: try PostgresConfiguration(url: configuration.postgresURL), logger: Logger(label: "paystream.clients"))
            let credentials = try await APIClients(postgres: postgres, cipher: keys.cipher).create(for: account)
            print("\(credentials.appID) \(Base64.encode(credentials.secret))")
            await postgres.shutdown()
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a client: its signatures are refused from now on.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The keys file (also PAYSTREAM_KEYS_FILE / PAYSTREAM_KEYS).") var keysFile: String?
        @Argument var appID: String

        func run() async throws {
            let keys = try SecurityKeys.require(path: keysFile)
            let configuration = try runtime.resolve()
            let postgres = PostgresClient(configuration: try PostgresConfiguration(url: configuration.postgresURL), logger: Logger(label: "paystream.clients"))
            try await APIClients(postgres: postgres, cipher: keys.cipher).disable(appID)
            await postgres.shutdown()
        }
    }
}

/// `paystream logins create`: a merchant's or an operator's password login (password read from standard input).
struct LoginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logins", abstract: "Password logins of merchants and operators.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a login, or set its password; reads the password from standard input.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "The login name.") var login: String
        @Option(help: "merchant or admin.") var role: String
        @Option(help: "The merchant account (merchant:<id>), for a merchant login.") var account: String?

        func run() async throws {
            guard let role = Logins.Role(rawValue: role) else { throw ValidationError("--role must be merchant or admin") }
            let merchant = try account.map { text in
                guard let id = AccountID(text), id.kind == .merchant else { throw ValidationError("--account must be merchant:<id>") }
                return id
            }
            guard (role == .merchant) == (merchant != nil) else { throw ValidationError("--account is required for, and only for, a merchant") }
            guard let password = readLine(strippingNewline: true), password.count >= 12 else {
                throw ValidationError("the password (standard input) must be at least 12 characters")
            }
            let configuration = try runtime.resolve()
            let postgres = PostgresClient(configuration: try PostgresConfiguration(url: configuration.postgresURL), logger: Logger(label: "paystream.logins"))
            try await Logins(postgres: postgres).create(login: login, role: role, account: merchant, password: password)
            print("login \(login) (\(role.rawValue)) saved")
            await postgres.shutdown()
        }
    }
}
