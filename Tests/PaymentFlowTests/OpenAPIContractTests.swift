import Foundation
import Testing
import TestSupport

/// The HTTP API as a contract: `docs/openapi.json` describes exactly the routes paystream-api registers, the copy
/// compiled into the server (`OpenAPIDocument.swift`, served at `GET /openapi.json`) is the same document, and
/// every amount is an integer of fen. Needs no services: it reads the repository's files.
@Suite struct OpenAPIContractTests {
    static let root = TestEnvironment.repositoryRoot
    static let documentURL = root.appendingPathComponent("docs/openapi.json")
    static let embeddedURL = root.appendingPathComponent("Sources/PaystreamAPI/OpenAPI/OpenAPIDocument.swift")
    static let sourcesURL = root.appendingPathComponent("Sources/PaystreamAPI")
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    struct Route: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method.uppercased()) \(path)" }
        static func < (a: Route, b: Route) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    static func document() throws -> [String: Any] {
        let data = try Data(contentsOf: documentURL)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "docs/openapi.json is not a JSON object")
    }

    // MARK: (a) the document's shape

    @Test func documentIsOpenAPI31WithInfoPathsAndComponents() throws {
        let doc = try Self.document()
        let version = try #require(doc["openapi"] as? String, "no openapi version")
        #expect(version.hasPrefix("3.1."), "openapi is \(version), not 3.1.x")
        let info = try #require(doc["info"] as? [String: Any], "no info")
        #expect((info["title"] as? String)?.isEmpty == false)
        #expect((info["version"] as? String)?.isEmpty == false)
        let paths = try #require(doc["paths"] as? [String: Any], "no paths")
        #expect(!paths.isEmpty)
        let components = try #require(doc["components"] as? [String: Any], "no components")
        let schemas = try #require(components["schemas"] as? [String: Any], "no components/schemas")
        for name in ["Problem", "OrderRecord", "WithdrawalRecord", "RefundRecord", "EnvelopeListing", "Balance", "CollectCode"] {
            #expect(schemas[name] != nil, "components/schemas/\(name) is missing")
        }

        // Every $ref resolves.
        var refs: [String] = []
        Self.walk(doc) { object in if let ref = object["$ref"] as? String { refs.append(ref) } }
        for ref in Set(refs).sorted() {
            #expect(Self.resolve(ref, in: doc) != nil, "\(ref) does not resolve")
        }

        for (path, item) in paths {
            let operations = try #require(item as? [String: Any], "\(path) is not an object")
            for (method, value) in operations where Self.methods.contains(method) {
                let operation = try #require(value as? [String: Any])
                let label = "\(method.uppercased()) \(path)"
                #expect((operation["responses"] as? [String: Any])?.isEmpty == false, "\(label) has no responses")
                // Every {name} of the template is a path parameter, and every path parameter is in the template.
                let templated = Set(Self.matches(#"\{([A-Za-z0-9_]+)\}"#, in: path).map { $0[1] })
                let declared = Set(
                    ((operation["parameters"] as? [Any]) ?? []).compactMap { parameter -> String? in
                        let resolved = Self.resolveIfRef(parameter, in: doc)
                        return resolved?["in"] as? String == "path" ? resolved?["name"] as? String : nil
                    })
                #expect(templated == declared, "\(label): path parameters \(declared.sorted()) do not match the template \(templated.sorted())")
                // Every request body has an example.
                if let body = operation["requestBody"] as? [String: Any] {
                    let content = (body["content"] as? [String: Any]) ?? [:]
                    #expect(!content.isEmpty, "\(label): request body without content")
                    for (type, media) in content {
                        let media = media as? [String: Any] ?? [:]
                        #expect(media["example"] != nil || media["examples"] != nil, "\(label): request body \(type) has no example")
                    }
                }
            }
        }
    }

    // MARK: (b) the document describes exactly the registered routes

    @Test func documentDescribesExactlyTheRegisteredRoutes() throws {
        let registered = try Self.registeredRoutes()
        #expect(registered.count > 20, "found only \(registered.count) route registrations: is the pattern still right?")

        let paths = try #require(try Self.document()["paths"] as? [String: Any])
        var documented = Set<Route>()
        for (path, item) in paths {
            for method in ((item as? [String: Any]) ?? [:]).keys where Self.methods.contains(method) {
                documented.insert(Route(method: method, path: path))
            }
        }

        let undocumented = registered.subtracting(documented).sorted()
        let unrouted = documented.subtracting(registered).sorted()
        #expect(
            undocumented.isEmpty,
            "routes registered in Sources/PaystreamAPI but not in docs/openapi.json: \(undocumented.map(\.description).joined(separator: ", "))")
        #expect(
            unrouted.isEmpty,
            "operations in docs/openapi.json that no route registers: \(unrouted.map(\.description).joined(separator: ", "))")
    }

    /// Every `router.<method>("…")` in Sources/PaystreamAPI, `:name` written `{name}`, except the back-office
    /// console's HTML pages (`/console…`): they are for operators' browsers, not part of the JSON API the document
    /// describes (ConsoleFlowTests drives them in a real browser).
    static func registeredRoutes() throws -> Set<Route> {
        let files = try #require(FileManager.default.enumerator(at: sourcesURL, includingPropertiesForKeys: nil))
        var routes = Set<Route>()
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let name = url.lastPathComponent
            // Registrations this extraction would not see must not exist silently.
            for unsupported in matches(#"router\.(group|on|addRoutes)\s*\("#, in: text) {
                Issue.record("\(name): `\(unsupported[0])` registers routes this test cannot read; extend OpenAPIContractTests")
            }
            for match in matches(#"router\.(get|post|put|patch|delete|head)\(\s*"([^"]*)""#, in: text) {
                let path = match[2].split(separator: "/", omittingEmptySubsequences: false).map { segment in
                    segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                }.joined(separator: "/")
                if path.hasPrefix("/console") { continue }
                routes.insert(Route(method: match[1], path: path))
            }
        }
        return routes
    }

    /// `AuthenticationMiddleware` runs before every route but the channels' notifies, and refuses a request whose
    /// credentials are present and wrong (partial signature headers, a bad session) with 401, on public routes too.
    /// So every such operation documents 401 with the middleware's codes (schemathesis once sent a lone
    /// `X-Paystream-App-Id` to `POST /v1/collect/{codeId}`, got 401 `auth.signature_missing`, and failed the run).
    @Test func everyOperationBehindTheAuthenticationMiddlewareDocuments401() throws {
        let doc = try Self.document()
        let paths = try #require(doc["paths"] as? [String: Any])
        var checked = 0
        for (path, item) in paths where !path.hasPrefix("/notify/") {
            for (method, value) in (item as? [String: Any]) ?? [:] where Self.methods.contains(method) {
                let responses = (value as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                let unauthorized = responses["401"] as? [String: Any]
                #expect(unauthorized != nil, "\(method.uppercased()) \(path) does not document 401")
                let description = unauthorized?["description"] as? String ?? ""
                // The schema's code enum (what schemathesis validates answers against) and the description.
                var codes: [String] = []
                Self.walk(unauthorized ?? [:]) { object in
                    if let values = object["enum"] as? [String] { codes += values }
                }
                for code in ["auth.signature_missing", "auth.signature_invalid", "auth.session_invalid"] {
                    #expect(codes.contains(code) && description.contains(code), "\(method.uppercased()) \(path): its 401 does not name \(code)")
                }
                checked += 1
            }
        }
        #expect(checked >= 30, "only \(checked) operations read")
    }

    // MARK: (c) the compiled-in copy is the same document

    @Test func embeddedDocumentEqualsDocsOpenAPIJSON() throws {
        let source = try String(contentsOf: Self.embeddedURL, encoding: .utf8)
        // `static let json = #"""` … `"""#`: a raw multi-line literal whose closing delimiter is at column 0, so its
        // text is exactly the lines between the delimiters.
        let opening = try #require(source.range(of: "static let json = #\"\"\"\n"), "OpenAPIDocument.swift has no `static let json = #\"\"\"`")
        let closing = try #require(
            source.range(of: "\n\"\"\"#", range: opening.upperBound..<source.endIndex), "OpenAPIDocument.swift has no closing `\"\"\"#` at column 0")
        let embedded = String(source[opening.upperBound..<closing.lowerBound])
        #expect(!embedded.contains("\\#("), "the embedded document must not contain raw-string interpolation")

        let fromDocs = try Self.canonical(Data(contentsOf: Self.documentURL))
        let fromSwift = try Self.canonical(Data(embedded.utf8))
        #expect(
            fromDocs == fromSwift,
            "Sources/PaystreamAPI/OpenAPI/OpenAPIDocument.swift differs from docs/openapi.json: regenerate it with the command in its header")
    }

    /// The JSON re-serialized with sorted keys: equal exactly when the two documents are equal as objects.
    static func canonical(_ data: Data) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: data)
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    // MARK: (d) amounts are integers of fen

    @Test func everyFenPropertyIsAnInteger() throws {
        let doc = try Self.document()
        var checked = 0
        var wrong: [String] = []
        Self.walk(doc) { object in
            guard let properties = object["properties"] as? [String: Any] else { return }
            for (name, schema) in properties where name.hasSuffix("Fen") {
                checked += 1
                let resolved = Self.resolveIfRef(schema, in: doc) ?? [:]
                let type = resolved["type"]
                let isInteger = (type as? String) == "integer" || ((type as? [String])?.contains("integer") == true && (type as? [String])?.contains("number") == false)
                if !isInteger { wrong.append("\(name): \(type.map { "\($0)" } ?? "no type")") }
            }
        }
        #expect(checked >= 10, "only \(checked) *Fen properties found")
        #expect(wrong.isEmpty, "*Fen properties that are not integers: \(wrong.sorted().joined(separator: "; "))")
    }

    // MARK: helpers

    /// Calls `visit` with every JSON object in `value`, depth first.
    static func walk(_ value: Any, _ visit: ([String: Any]) -> Void) {
        if let object = value as? [String: Any] {
            visit(object)
            for child in object.values { walk(child, visit) }
        } else if let array = value as? [Any] {
            for child in array { walk(child, visit) }
        }
    }

    /// A local `#/a/b` reference's target.
    static func resolve(_ ref: String, in doc: [String: Any]) -> [String: Any]? {
        guard ref.hasPrefix("#/") else { return nil }
        var current: Any = doc
        for part in ref.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let object = current as? [String: Any], let next = object[key] else { return nil }
            current = next
        }
        return current as? [String: Any]
    }

    static func resolveIfRef(_ value: Any, in doc: [String: Any]) -> [String: Any]? {
        guard let object = value as? [String: Any] else { return nil }
        if let ref = object["$ref"] as? String { return resolve(ref, in: doc) }
        return object
    }

    /// Every match of `pattern` in `text`, as the whole match followed by its capture groups.
    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { match in
            (0..<match.numberOfRanges).map { index in
                let range = match.range(at: index)
                return range.location == NSNotFound ? "" : ns.substring(with: range)
            }
        }
    }
}
