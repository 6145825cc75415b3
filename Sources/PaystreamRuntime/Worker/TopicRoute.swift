import EventBus

/// Where a consumed topic sits in its family: the main topic or the n-th retry topic.
struct TopicRoute: Sendable {
    let family: TopicDeclaration
    /// 0 for the main topic, n for `<family>.retry.<n>`.
    let tier: Int

    /// The topic a message that failed here goes to next, with its delay; the dead-letter topic last.
    var next: (topic: String, delayMilliseconds: Int?)? {
        let retries = family.retryTopics
        if tier < retries.count { return (retries[tier].name, retries[tier].delayMs) }
        return family.deadLetterTopic.map { ($0, nil) }
    }

    static func table(_ registry: TopicRegistry) -> [String: TopicRoute] {
        var routes: [String: TopicRoute] = [:]
        for family in registry.declarations {
            routes[family.name] = TopicRoute(family: family, tier: 0)
            for (n, retry) in family.retryTopics.enumerated() { routes[retry.name] = TopicRoute(family: family, tier: n + 1) }
        }
        return routes
    }
}
