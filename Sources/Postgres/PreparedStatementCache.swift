/// The named server-side statements one connection has prepared, so that a statement run again is bound and
/// executed without being parsed and analysed again (and, once PostgreSQL's plan cache settles on a generic
/// plan, without being planned again).
///
/// A statement is known by its SQL text and its parameter types: the same text sent once with a NULL (type
/// unspecified) and once with a value is two entries. At most `capacity` are kept; the least recently used one
/// is dropped first, and its name waits in `evicted` until the connection can deallocate it on the server
/// (outside a pipeline and outside a failed transaction). A capacity of 0 prepares nothing.
///
/// Pure bookkeeping: it neither calls libpq nor knows what the server holds beyond what it is told.
struct PreparedStatementCache {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]

        init(_ query: PostgresQuery) {
            sql = query.sql
            types = query.bindings.map { UInt32($0.typeOID) }
        }
    }

    /// How a statement is sent: by the name it is prepared under, prepared first under a new name, or unnamed
    /// (the cache is off).
    enum Route {
        case named(String)
        case prepareAs(String)
        case unnamed
    }

    private struct Entry {
        let name: String
        var lastUse: UInt64
    }

    let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var clock: UInt64 = 0
    private var nextNumber = 0
    /// Names dropped from the cache and still prepared on the server.
    private(set) var evicted: [String] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// How to send `key`, marking it used. A new statement is recorded as prepared under a new name (the caller
    /// prepares it), evicting the least recently used entry when full.
    mutating func route(for key: Key) -> Route {
        clock += 1
        if let entry = entries[key] {
            entries[key]?.lastUse = clock
            return .named(entry.name)
        }
        guard capacity > 0 else { return .unnamed }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
            evicted.append(oldest.value.name)
        }
        nextNumber += 1
        let name = "paystream_s\(nextNumber)"
        entries[key] = Entry(name: name, lastUse: clock)
        return .prepareAs(name)
    }

    /// Forgets `key` (its preparation failed, or the server no longer accepts it). A name the server may hold
    /// is queued for deallocation when `prepared` is true.
    mutating func remove(_ key: Key, prepared: Bool) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        if prepared { evicted.append(entry.name) }
    }

    /// Hands over the names waiting for deallocation and forgets them.
    mutating func takeEvicted() -> [String] {
        defer { evicted = [] }
        return evicted
    }
}
