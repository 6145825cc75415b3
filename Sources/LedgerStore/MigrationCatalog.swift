import Foundation
import Postgres

/// The ledger's SQL migrations, shipped as the `Migrations` resource folder of this module.
///
/// Guarantees: every file named `NNNN_snake_name.sql` (at least four digits, lower-case name) is one migration
/// whose version is the number; the list is sorted by version. Files not ending in `.sql` (such as `.keep`) are
/// ignored; a `.sql` file with another name, or two files with one version, is an error rather than being
/// skipped silently.
public enum MigrationCatalog {
    public struct CatalogError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads and orders the migrations from the bundle.
    public static func all() throws -> [PostgresMigrator.Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw CatalogError(description: "the LedgerStore bundle has no Migrations folder")
        }
        return try load(from: directory)
    }

    /// Loads and orders the migrations found in `directory`.
    public static func load(from directory: URL) throws -> [PostgresMigrator.Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var byVersion = [Int: PostgresMigrator.Migration]()
        for fileName in names where fileName.hasSuffix(".sql") {
            guard let (version, name) = parse(fileName) else {
                throw CatalogError(
                    description: "migration file \"\(fileName)\" is not named NNNN_snake_name.sql")
            }
            if let other = byVersion[version] {
                throw CatalogError(
                    description: "migration version \(version) is used by both \(other.name) and \(name)")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8)
            byVersion[version] = PostgresMigrator.Migration(version: version, name: name, sql: sql)
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// "0007_add_envelopes.sql" -> (7, "add_envelopes").
    static func parse(_ fileName: String) -> (version: Int, name: String)? {
        let stem = fileName.dropLast(".sql".count)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(digits),
            version > 0, let first = name.first, first.isLowercase,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        else { return nil }
        return (version, String(name))
    }
}
