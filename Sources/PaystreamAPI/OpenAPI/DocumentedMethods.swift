import Foundation

/// The methods the OpenAPI document declares for each path, for answering a request whose path exists with a
/// method it does not: 405 with `Allow`, not 404. The document and the router are kept equal by
/// `OpenAPIContractTests`, so the document is the router's list of routes.
enum DocumentedMethods {
    /// Paths as segments (`{name}` segments match any one segment) with their upper-case methods.
    private static let routes: [(segments: [Substring], methods: [String])] = {
        guard let object = try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any],
            let paths = object["paths"] as? [String: [String: Any]]
        else { return [] }
        let verbs: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        return paths.map { path, item in
            (path.split(separator: "/"), item.keys.filter(verbs.contains).map { $0.uppercased() }.sorted())
        }
    }()

    /// The methods documented for `path`, or nil when no documented path matches it.
    static func allowed(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { pattern, segment in
                (pattern.first == "{" && pattern.last == "}") || pattern == segment
            }
            if matches { return route.methods }
        }
        return nil
    }
}
