/// Runs `body` for each of `items`, at most `width` at a time; the first error cancels the rest and is thrown.
func forEachConcurrently<T: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func start() {
            guard next < items.count else { return }
            let item = items[next]
            next += 1
            group.addTask { try await body(item) }
        }
        for _ in 0..<max(1, width) { start() }
        while try await group.next() != nil { start() }
    }
}
