/// `transform` of each of `items`, in the items' order, at most `width` running at a time; the first error cancels
/// the rest and is thrown.
func mapConcurrently<T: Sendable, R: Sendable>(
    _ items: [T], width: Int, _ transform: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        func start() {
            guard next < items.count else { return }
            let index = next, item = items[next]
            next += 1
            group.addTask { (index, try await transform(item)) }
        }
        for _ in 0..<max(1, width) { start() }
        while let (index, result) = try await group.next() {
            results[index] = result
            start()
        }
        return results.map { $0! }
    }
}

/// Runs `body` for each of `items`, at most `width` at a time; the first error cancels the rest and is thrown.
func forEachConcurrently<T: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
    _ = try await mapConcurrently(items, width: width, body)
}
